"""The host's Celery app, configured from Django settings like ``lms/celery.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")

APP = Celery("host")
APP.config_from_object("django.conf:settings", namespace="CELERY")
APP.autodiscover_tasks(lambda: ["openedx.features.survey_report"])

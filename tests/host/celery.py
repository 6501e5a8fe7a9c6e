"""The host's Celery app, configured from Django settings like ``lms/celery.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")

APP = Celery("host")
APP.config_from_object("django.conf:settings", namespace="CELERY")
# As openedx/core/lib/celery: tasks are discovered in every installed app (ours included).
APP.autodiscover_tasks()

"""The host's Celery app, configured from Django settings like ``lms/celery.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")

APP = Celery("host")
APP.config_from_object("django.conf:settings", namespace="CELERY")
# As openedx/core/lib/celery: tasks are discovered in every installed app (ours included).
APP.autodiscover_tasks()


@APP.task(name="host.stuck_send")
def stuck_send():
    """
    A send stuck where no signal ends it (a DNS lookup, C code): it outlives its soft time limit.

    Only the integration tests enqueue it, through the banner's own ``enqueue`` and its limits, to
    observe the hard limit on a prefork worker: the child running it is killed.
    """
    import time  # pylint: disable=import-outside-toplevel

    from celery.exceptions import SoftTimeLimitExceeded  # pylint: disable=import-outside-toplevel

    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            time.sleep(0.1)
        except SoftTimeLimitExceeded:
            continue  # Swallowed, as code stuck in C never sees it.

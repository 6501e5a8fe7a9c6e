"""
The banner's own Celery task: count the report preview on a worker (see :mod:`.preview`).

The LMS's Celery app discovers it in this module (``autodiscover_tasks()`` over the installed
apps). It takes no argument and is enqueued as the report task is (``api.enqueue``), with its own
queue wait and time limits (``preview.task_limits``): the lock of a count that cannot still run
after them no longer blocks the next click, and the banner says the count was lost.
"""

from celery import shared_task

from . import preview

TASK_NAME = "survey_report_banner.tasks.compute_report_preview"


@shared_task(name=TASK_NAME, ignore_result=True)
def compute_report_preview():
    """Count the five totals with upstream's functions and keep the result for every superuser."""
    preview.compute()

"""
The banner's own Celery tasks: count the report preview, and re-send a report, on a worker.

The LMS's Celery app discovers them in this module (``autodiscover_tasks()`` over the installed
apps). Both are enqueued through ``api.enqueue`` (a bounded wait for the broker), each with its
own limits:

* the preview count takes no argument and carries its own queue wait and time limits
  (``preview.task_limits``): the lock of a count that cannot still run after them no longer
  blocks the next click, and the banner says the count was lost;
* the re-send carries a send's expiry and time limits (``gate.send_limits``), from the time of
  the send gate's claim.
"""

from datetime import datetime

from celery import shared_task

from . import preview, sending

TASK_NAME = "survey_report_banner.tasks.compute_report_preview"
RESEND_TASK_NAME = "survey_report_banner.tasks.resend_survey_report"


@shared_task(name=TASK_NAME, ignore_result=True)
def compute_report_preview():
    """Count the five totals with upstream's functions and keep the result for every superuser."""
    preview.compute()


@shared_task(name=RESEND_TASK_NAME, bind=True, ignore_result=True)
def resend_survey_report(self, report_id, claimed_at):
    """
    Re-send one report for the report list's action, under the send gate's claim made at ``claimed_at``.

    It runs where every other send runs, on a worker under the same soft and hard time limits, so
    the admin request answers at once and the claim outlasts the POST (``gate.claim_hold``).
    """
    sending.resend(report_id, datetime.fromisoformat(claimed_at), self.request.id)

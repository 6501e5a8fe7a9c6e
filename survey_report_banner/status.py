"""
What became of the last *Send report*: queued, generating, sent or failed.

The banner's script polls this (through ``views.report_status``) after a click, so a superuser sees
the report arrive, or fail, without leaving the page. It reads the request row the click wrote and
the report row edx-platform's task creates after it; it never counts anything.
"""

import enum
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from . import conf, reports
from .models import SurveyReportRequest


class ReportState(enum.Enum):
    """Where the last requested report is, as the banner shows it."""

    NONE = "none"  # Nothing was requested through the banner.
    QUEUED = "queued"  # Requested; no worker has picked the task up yet.
    GENERATING = "generating"  # A worker is counting, or posting the report to Axim's endpoint.
    SENT = "sent"  # The endpoint accepted the report.
    FAILED = "failed"  # Counting or posting failed, or no worker took the task in time.


@dataclass(frozen=True)
class ReportStatus:
    """The state of the last request, when it was requested, and the report row's date if any."""

    state: ReportState
    requested_at: datetime | None = None
    created_at: datetime | None = None
    # True when the request was never picked up within the pending window (a lost task).
    lost: bool = False


def last_request_status(now=None):
    """
    The status of the report the last *Send report* asked for (three small queries at most).

    The newest report row created at or after the request is the one the task made. Upstream sets
    it ``processing`` when it starts, ``generated`` once counted, then POSTs it and records the
    answer as an upload; a failure moves the row to ``error``. So ``generated`` alone means
    "counted, being posted": the report is sent once an upload says 2xx (a 2xx upload counts even
    on an ``error`` row: upstream's admin action can deliver a report again). Report models without
    uploads (older releases, or a configured model) count ``generated`` as sent.
    """
    request = SurveyReportRequest.objects.filter(pk=SurveyReportRequest.SINGLETON_ID).first()
    if request is None or request.requested_at is None:
        return ReportStatus(ReportState.NONE)
    requested_at = request.requested_at
    report = reports.report_model().objects.filter(created_at__gte=requested_at).order_by("-pk").first()
    if report is None:
        now = now or timezone.now()
        if now - requested_at > conf.pending_window():
            return ReportStatus(ReportState.FAILED, requested_at, lost=True)
        return ReportStatus(ReportState.QUEUED, requested_at)
    return ReportStatus(_state_of(report), requested_at, report.created_at)


def _state_of(report):
    codes = _upload_codes(report)  # Newest first; None when the model has no uploads.
    if codes and any(200 <= code < 300 for code in codes):
        return ReportState.SENT
    state = getattr(report, "state", reports.REPORT_GENERATED)  # Palm's first model: rows were final.
    if state == reports.REPORT_ERROR:
        return ReportState.FAILED
    if state == reports.REPORT_PROCESSING:
        return ReportState.GENERATING
    if codes is None:
        return ReportState.SENT
    return ReportState.FAILED if codes else ReportState.GENERATING


def _upload_codes(report):
    """HTTP statuses of the report's uploads (edx-platform's ``SurveyReportUpload``), newest first."""
    fields = {field.name for field in report._meta.get_fields()}  # pylint: disable=protected-access
    if reports.UPLOADS not in fields:
        return None
    uploads = getattr(report, f"{reports.UPLOADS}_set")
    return list(uploads.order_by("-pk").values_list("status_code", flat=True))

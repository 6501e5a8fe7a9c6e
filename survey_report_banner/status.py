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

from . import gate, reports
from .models import SurveyReportAttempt, SurveyReportRequest


class ReportState(enum.Enum):
    """Where the last requested report is, as the banner shows it."""

    NONE = "none"  # Nothing was requested through the banner.
    QUEUED = "queued"  # Requested; no worker has picked the task up yet.
    GENERATING = "generating"  # A worker is counting, or posting the report to Axim's endpoint.
    SENT = "sent"  # The endpoint accepted the report (a 2xx upload).
    FAILED = "failed"  # Counting or posting failed, no worker took the task in time, or it never arrived.


@dataclass(frozen=True)
class ReportStatus:
    """The state of the last request, when it was requested, and the report row's date if any."""

    state: ReportState
    requested_at: datetime | None = None
    created_at: datetime | None = None
    # True when the request was never picked up within the pending window (a lost task).
    lost: bool = False
    # The attempt's cause code once it failed (``sending.cause_of``; blank: unknown yet), the
    # report row's state and pk: what the banner says of a failure, and links to once sent.
    cause: str = ""
    report_state: str = ""
    report_id: int | None = None


def last_request_status(now=None):
    """
    The status of the latest attempt to send a report (a few small queries).

    The report row is the first one above the attempt's claim (its ``after_report_id``): the
    one its task created. It is *sent* once delivered (a 2xx upload), *generating* while on its
    way (``processing``, or ``generated`` and not yet delivered, within the pending window), and
    *failed* otherwise: ``error``, or left on its way past the window (a worker killed mid-POST).
    No row yet: *queued* while the claim holds, *failed* (lost) after. A re-send from the report
    list creates no row: its uploads after the claim tell.
    """
    now = now or timezone.now()
    request = SurveyReportRequest.objects.filter(pk=SurveyReportRequest.SINGLETON_ID).first()
    if request is None or request.requested_at is None:
        return ReportStatus(ReportState.NONE)
    requested_at = request.requested_at
    held = gate.held_claims(now).exists()
    if request.trigger == SurveyReportAttempt.RESEND:
        state = _resend_state(requested_at) if not held else ReportState.GENERATING
        return ReportStatus(state, requested_at, cause=_cause_of(request) if state is ReportState.FAILED else "")
    rows = reports.report_model().objects
    if request.after_report_id is None:  # A request recorded before the claim had a baseline.
        rows = rows.filter(created_at__gte=requested_at)
    else:
        rows = rows.filter(pk__gt=request.after_report_id)
    report = rows.order_by("pk").first()
    if report is None:
        if held:
            return ReportStatus(ReportState.QUEUED, requested_at)
        return ReportStatus(ReportState.FAILED, requested_at, lost=True)
    state = _state_of(report, now)
    cause = _cause_of(request) if state is ReportState.FAILED else ""  # one more query, on a failure only
    return ReportStatus(state, requested_at, report.created_at, cause=cause,
                        report_state=report.state, report_id=report.pk)


def _cause_of(request):
    """The cause recorded on the claim's attempt (same time, same task), or "" if none is known yet."""
    attempts = SurveyReportAttempt.objects.filter(attempted_at=request.requested_at)
    if request.task_id:
        attempts = attempts.filter(task_id=request.task_id)
    return attempts.values_list("cause", flat=True).first() or ""


def _state_of(report, now):
    one = reports.report_model().objects.filter(pk=report.pk)
    if one.filter(reports.delivered()).exists():
        return ReportState.SENT
    if one.filter(reports.on_its_way(now)).exists():
        return ReportState.GENERATING
    return ReportState.FAILED


def _resend_state(since):
    """A re-send's outcome: sent if an upload since the claim was accepted (failed ones leave none)."""
    uploads = reports.upload_model()
    accepted = uploads.objects.filter(sent_at__gte=since, status_code__gte=200, status_code__lt=300)
    return ReportState.SENT if accepted.exists() else ReportState.FAILED

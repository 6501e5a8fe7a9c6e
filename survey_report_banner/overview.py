"""
What does this site know about its survey reports? Everything ``survey_report_status`` says.

One function, :func:`overview`, reads it all, in the order an operator asks it: the last report
delivered and when the next one is due, whether one is on its way, the last failure and its cause,
how many attempts the send gate still allows this hour, and the switches and settings that decide
whether anything is sent at all. It only reads: no claim, no attempt, no task, no POST. The rules
are those of ``reports.py`` (delivered, on its way, failed) and ``gate.py`` (the attempts bound);
the command formats the answer, as text or as JSON.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from . import conf, faults, gate, reports, status, toggles
from .models import SurveyReportAttempt, SurveyReportRequest

# Kinds of failure (Failure.kind), as the JSON says them.
FAILED_ERROR = "error"  # The report row ended in ``error`` (counting or posting failed).
FAILED_STALLED = "stalled"  # The report row was left on its way past the pending window (a killed worker).
FAILED_ATTEMPT = "attempt"  # An attempt recorded a cause and left no failed row (the report list's re-send).
FAILED_LOST = "lost"  # No worker picked the queued task up within the pending window: no row at all.


@dataclass(frozen=True)
class Delivered:
    """The newest report that reached the project (a 2xx upload)."""

    report_id: int
    at: datetime


@dataclass(frozen=True)
class OnItsWay:
    """A report on its way: a claim still held (no report row yet), or a row being generated or posted."""

    since: datetime
    until: datetime | None
    trigger: str = ""  # Which path claimed it (a claim); "" for a row.
    report_id: int | None = None
    report_state: str | None = None


@dataclass(frozen=True)
class Failure:
    """The newest failed attempt to send a report, with its cause code (``sending.py``) when known."""

    at: datetime
    kind: str
    cause: str = ""
    trigger: str = ""
    report_id: int | None = None
    report_state: str | None = None


@dataclass(frozen=True)
class Overview:
    """What the site knows about its reports at ``now``. None: not known (see ``problem``)."""

    now: datetime
    # What stops the site from knowing (the report model missing, the database not migrated).
    problem: str | None
    survey_report_enabled: bool
    threshold_months: int
    auto_send: bool
    scheduler: str | None
    scheduled_lead: timedelta
    pending_window: timedelta
    banner_switched_off: bool | None = None
    last_delivered: Delivered | None = None
    # When the last delivered report's window ends (None: never delivered), and whether it has.
    next_due: datetime | None = None
    due_now: bool | None = None
    on_its_way: OnItsWay | None = None
    last_failure: Failure | None = None
    attempts_made: int | None = None
    attempts_left: int | None = None
    next_attempt_at: datetime | None = None
    last_scheduled_attempt: datetime | None = None

    @property
    def scheduled_from(self):
        """When scheduled runs send the next report (they look ``scheduled_lead`` ahead), or None."""
        return self.next_due - self.scheduled_lead if self.next_due else None


def overview(now=None):
    """
    Read what the site knows about its survey reports: a few small queries, nothing written.

    A site that cannot know (the report model is not installed, the tables are missing) gets an
    :class:`Overview` whose ``problem`` says why, with what could still be read.
    """
    now = now or timezone.now()
    known = {
        "now": now,
        "problem": None,
        "survey_report_enabled": conf.survey_report_enabled(),
        "threshold_months": conf.threshold_months(),
        "auto_send": conf.auto_send_enabled(),
        "scheduler": conf.scheduler(),
        "scheduled_lead": conf.scheduled_lead(),
        "pending_window": conf.pending_window(),
    }
    try:
        model = reports.report_model()
    except (LookupError, ValueError) as exc:
        model = None
        known["problem"] = (
            f"{exc}: nothing can tell whether a report was sent (system check survey_report_banner.W003)."
        )
    try:
        known["banner_switched_off"] = toggles.banner_disabled()
        known.update(_attempts(now))
        known["last_scheduled_attempt"] = (
            SurveyReportAttempt.objects.filter(trigger=SurveyReportAttempt.SCHEDULER)
            .order_by("-attempted_at").values_list("attempted_at", flat=True).first()
        )
        if model is None:
            known["last_failure"] = _attempt_failure(told=())
        else:
            known.update(_reports(model, now, known["threshold_months"]))
    except faults.BANNER_FAULTS as exc:
        known["problem"] = (
            f"The database could not be read ({type(exc).__name__}: {exc}): has ./manage.py lms migrate run?"
        )
    return Overview(**known)


def _attempts(now):
    """Attempts within the gate's period, those left, and when the next one is possible (rule 3 of gate.decide)."""
    recent = list(gate.counted_attempts(now).values_list("attempted_at", flat=True))
    left = max(gate.MAX_ATTEMPTS - len(recent), 0)
    return {
        "attempts_made": len(recent),
        "attempts_left": left,
        "next_attempt_at": gate.next_attempt_at(recent[gate.MAX_ATTEMPTS - 1] if not left else None),
    }


def _reports(model, now, months):
    """What the report table says: delivered, due, on its way, the last failure."""
    newest = model.objects.filter(reports.delivered()).order_by("-created_at", "-pk").first()
    found = {"due_now": newest is None or newest.created_at < reports.window_start(now)}
    if newest is not None:
        found["last_delivered"] = Delivered(newest.pk, newest.created_at)
        # As send_survey_report_if_due says it ("due after"): the window measured from the report.
        found["next_due"] = newest.created_at + relativedelta(months=months)

    claim = gate.held_claims(now).first()
    if claim is not None:
        found["on_its_way"] = OnItsWay(claim.requested_at, claim.busy_until, trigger=claim.trigger)
    else:
        row = model.objects.filter(reports.on_its_way(now)).order_by("-created_at", "-pk").first()
        if row is not None:
            found["on_its_way"] = OnItsWay(
                row.created_at, row.created_at + conf.pending_window(), report_id=row.pk, report_state=row.state,
            )

    found["last_failure"] = _last_failure(model, now)
    return found


def _last_failure(model, now):
    """
    The newest of: the newest failed row, a lost task, an attempt that recorded a cause.

    A row and the attempt that made it are one failure: the row's own attempt is the newest one
    made at most a pending window before the row (a queued task older than that never runs).
    """
    failures = []
    told = []  # The attempts whose cause is told with their row or their lost task.
    failed = (
        model.objects.exclude(reports.delivered()).exclude(reports.on_its_way(now))
        .order_by("-created_at", "-pk").first()
    )
    if failed is not None:
        own_attempt = SurveyReportAttempt.objects.filter(
            attempted_at__lte=failed.created_at, attempted_at__gte=failed.created_at - conf.pending_window(),
        ).order_by("-attempted_at").first()
        if own_attempt is not None:
            told.append(own_attempt.pk)
        failures.append(Failure(
            failed.created_at,
            FAILED_ERROR if failed.state == reports.REPORT_ERROR else FAILED_STALLED,
            cause=own_attempt.cause if own_attempt else "",
            trigger=own_attempt.trigger if own_attempt else "",
            report_id=failed.pk,
            report_state=failed.state,
        ))
    last_request = status.last_request_status(now)
    if last_request.lost:
        request = SurveyReportRequest.objects.get(pk=SurveyReportRequest.SINGLETON_ID)
        lost_attempt = SurveyReportAttempt.objects.filter(attempted_at=request.requested_at).first()
        failures.append(Failure(
            request.requested_at, FAILED_LOST, cause=lost_attempt.cause if lost_attempt else "",
            trigger=request.trigger,
        ))
        if lost_attempt is not None:
            told.append(lost_attempt.pk)
    failures.append(_attempt_failure(told))
    return _newest(failures)


def _attempt_failure(told):
    """The newest attempt that recorded a cause (except those ``told`` with their row), or None."""
    attempt = SurveyReportAttempt.objects.exclude(cause="").exclude(pk__in=told).order_by("-attempted_at").first()
    if attempt is None:
        return None
    return Failure(attempt.attempted_at, FAILED_ATTEMPT, cause=attempt.cause, trigger=attempt.trigger)


def _newest(failures):
    failures = [failure for failure in failures if failure is not None]
    return max(failures, key=lambda failure: failure.at) if failures else None

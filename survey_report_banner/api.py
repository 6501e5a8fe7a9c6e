"""
What the banner's two buttons do: request a survey report (through the send gate), or dismiss.

Views stay thin; whether a report may be sent is the gate's rule (``gate.py``).
"""

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

from celery.app.task import Task
from celery.result import AsyncResult
from celery.utils import uuid
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from . import conf, gate, reports, wording
from .caching import invalidate
from .models import SurveyReportAttempt, SurveyReportBannerDismissal

log = logging.getLogger(__name__)

class RequestOutcome(enum.Enum):
    """What happened when a superuser asked for a report."""

    ENQUEUED = "enqueued"
    ALREADY_PENDING = "already_pending"
    ALREADY_SENT = "already_sent"
    TOO_SOON = "too_soon"
    BROKER_UNAVAILABLE = "broker_unavailable"
    TASK_UNAVAILABLE = "task_unavailable"


@dataclass(frozen=True)
class RequestResult:
    """The outcome of a request, and for ``TOO_SOON`` when the next attempt is allowed."""

    outcome: RequestOutcome
    retry_at: datetime | None = None


class BrokerUnavailable(Exception):
    """The Celery broker could not take the task within the enqueue timeout."""


class ReportTaskUnusable(ImportError):
    """``SURVEY_REPORT_BANNER_TASK`` names no usable Celery task; the message says why (W002)."""


def load_report_task():
    """
    The configured report task (``SURVEY_REPORT_BANNER_TASK``), or :class:`ReportTaskUnusable` saying why.

    The one rule for "is the report task usable": a dotted path that imports a Celery task (what
    ``shared_task`` returns, before or after the Celery app is finalised, is one). Every path asks
    it (the banner, *Send report*, the guarded endpoint, the command, the system check).
    """
    path = conf.task_path()
    if path is None:
        raise ReportTaskUnusable(f"SURVEY_REPORT_BANNER_TASK = {conf.task_setting()!r} is not a dotted path")
    try:
        task = import_string(path)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # Missing, or a module that fails as it is imported: either way there is no task to run.
        raise ReportTaskUnusable(f"The survey report task {path!r} cannot be imported: {exc}") from exc
    try:
        # What ``shared_task`` returns is a proxy that looks the task up in the current Celery app.
        is_task = isinstance(task, Task)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        raise ReportTaskUnusable(f"The survey report task {path!r} is not in the Celery app: {exc!r}") from exc
    if not is_task:
        raise ReportTaskUnusable(f"The survey report task {path!r} is not a Celery task but a {type(task).__name__}")
    return task


def dismiss(user):
    """
    Record that ``user`` dismissed the banner: one row per user, moved to now by each dismissal.

    An UPDATE, then an INSERT if the user had no row, then the UPDATE again if a concurrent first
    click inserted it meanwhile; each statement in its own ``atomic`` block. The view opts out of
    ``ATOMIC_REQUESTS``, so each is its own short transaction and concurrent clicks never wait on
    each other's gap locks (which deadlocked on MariaDB); inside a caller's transaction each is a
    savepoint, so a failed one (a table not migrated yet) leaves that transaction usable.
    """
    now = timezone.now()
    rows = SurveyReportBannerDismissal.objects.filter(user=user)
    with transaction.atomic():
        updated = rows.update(dismissed_at=now)
    if not updated:
        try:
            with transaction.atomic():
                SurveyReportBannerDismissal.objects.create(user=user, dismissed_at=now)
        except IntegrityError:  # A concurrent first click of the same user won the INSERT.
            with transaction.atomic():
                rows.update(dismissed_at=now)
    invalidate()


_OUTCOMES = {
    gate.Outcome.ALREADY_SENT: RequestOutcome.ALREADY_SENT,
    gate.Outcome.ON_ITS_WAY: RequestOutcome.ALREADY_PENDING,
    gate.Outcome.TOO_SOON: RequestOutcome.TOO_SOON,
}


def request_report(user, trigger=SurveyReportAttempt.BANNER):
    """
    Enqueue openedx-platform's report task through the send gate: once, however many clicks.

    The gate (:func:`survey_report_banner.gate.claim`) decides under the send lock, so a
    concurrent click waits for the lock and then answers "already being generated". The task
    carries Celery's ``expires`` (a task queued longer than the pending window never runs: by
    then the claim has ended and another may have been queued) and a time limit. If the broker
    refuses, nothing is recorded.
    """
    try:
        task = load_report_task()
        reports.report_model()  # whether a report was sent is read from it
    except (ReportTaskUnusable, reports.ReportModelUnusable) as exc:
        # System checks W002/W003 say which; the superuser gets a message, not an error page.
        log.warning("No survey report can be requested: %s", exc)
        return RequestResult(RequestOutcome.TASK_UNAVAILABLE)
    try:
        verdict = gate.claim(trigger, user, enqueue=lambda claimed_at: enqueue(task, claimed_at=claimed_at).id)
    except BrokerUnavailable:
        return RequestResult(RequestOutcome.BROKER_UNAVAILABLE)
    if not verdict.may_send:
        return RequestResult(_OUTCOMES[verdict.outcome], verdict.retry_at)
    log.info("Survey report requested by user %s (%s, task %s)", user.pk, trigger, verdict.task_id)
    return RequestResult(RequestOutcome.ENQUEUED)


def outcome_message(result):
    """
    The Django admin message, ``(level, text)``, telling a superuser what their request did.

    Shared by *Send report* and the guarded "Generate Report" button of the report list, so both
    say the same thing for the same outcome.
    """
    if result.outcome is RequestOutcome.TOO_SOON:
        return messages.WARNING, too_soon_message(result.retry_at)
    return {
        RequestOutcome.ENQUEUED: (
            messages.SUCCESS,
            _("Thank you! The survey report is being generated and will be sent in a few minutes. "
              "You can follow its status in the survey report list."),
        ),
        RequestOutcome.ALREADY_PENDING: (
            messages.INFO,
            _("A survey report is already being generated. You can follow its status in the survey report list."),
        ),
        RequestOutcome.ALREADY_SENT: (
            messages.INFO,
            _("A survey report was already sent recently. You can see it in the survey report list."),
        ),
        RequestOutcome.BROKER_UNAVAILABLE: (
            messages.ERROR,
            _("The survey report could not be requested because the task queue is unreachable. "
              "Nothing was sent. Please try again later, or ask your operator to check the Celery broker."),
        ),
        RequestOutcome.TASK_UNAVAILABLE: (
            messages.ERROR,
            _("The survey report could not be requested because this site has no survey report task. "
              "Nothing was sent. Please ask your operator to check the survey report settings."),
        ),
    }[result.outcome]


def too_soon_message(retry_at):
    """What a refused attempt is told when sending kept failing: nothing sent, and when to try again."""
    return _(
        "Sending the survey report failed several times within the last hour, so nothing was sent now. "
        "You can try again after %(time)s."
    ) % {"time": wording.when(retry_at, with_date=False)}


def enqueue(task, args=(), claimed_at=None, limits=None):
    """
    Send ``task`` to the broker, giving up after ``SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT`` seconds.

    ``limits`` are the task's own ``expires``, ``soft_time_limit`` and ``time_limit`` (the
    preview's are shorter, see :func:`survey_report_banner.preview.task_limits`). Without them it
    carries a send's ``expires`` and time limits (``gate.send_limits``) from ``claimed_at``, the
    time of the send gate's claim (now, for a task enqueued without one).

    Celery's defaults retry a lost broker for minutes, which would hang the superuser's request
    (and a web worker) long past any proxy timeout. This opens a dedicated producer connection
    with short connect/read timeouts and at most one quick retry (for a stale pooled socket).
    """
    app = task.app
    if limits is None:
        # A task queued past its claim's bound never runs; one that runs is stopped at the send
        # deadline (upstream POSTs with no timeout): see gate.send_limits.
        limits = gate.send_limits(claimed_at or timezone.now())
    else:
        limits = dict(limits)
    if app.conf.task_always_eager:
        # Development settings (devstack, CELERY_ALWAYS_EAGER) run the task inline: once the
        # transaction that asked for it (the gate's claim) is committed, as a worker would.
        result = AsyncResult(uuid(), app=app)
        transaction.on_commit(lambda: task.apply_async(args=args, task_id=result.id, **limits))
        return result
    timeout = conf.enqueue_timeout()
    connection = app.connection_for_write(connect_timeout=timeout)
    options = dict(connection.transport_options or {})
    driver = connection.transport.driver_type
    if driver == "redis":
        options.update(socket_timeout=timeout, socket_connect_timeout=timeout)
    elif driver == "amqp":
        options.update(read_timeout=timeout, write_timeout=timeout)
    connection.transport_options = options
    # What the broker's client raises when it cannot take the message: kombu's OperationalError
    # (connection retries exhausted), the transport's own connection and channel errors (redis-py,
    # py-amqp) and socket errors. Anything else is a bug that must not pass for an outage.
    broker_errors = (OperationalError, OSError, *connection.connection_errors, *connection.channel_errors)
    try:
        with connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=timeout)
            return task.apply_async(
                args=args,
                connection=connection,
                **limits,
                retry=True,
                retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
            )
    except broker_errors as exc:
        log.warning("Could not enqueue the survey report task: %s", exc, exc_info=True)
        raise BrokerUnavailable(str(exc)) from exc


def reports_url(urlconf=None):
    """URL of the survey report list in Django admin, or None when the report admin is missing."""
    try:
        return reverse("admin:survey_report_surveyreport_changelist", urlconf=urlconf)
    except NoReverseMatch:
        return None

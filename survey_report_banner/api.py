"""
What the banner's two buttons do: request a survey report, or dismiss the banner.

Views stay thin; these functions hold the rules and are reused by the management command.
"""

import enum
import logging

from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from . import conf, reports
from .caching import invalidate
from .models import SurveyReportBannerDismissal, SurveyReportRequest

log = logging.getLogger(__name__)


class RequestOutcome(enum.Enum):
    """What happened when a superuser asked for a report."""

    ENQUEUED = "enqueued"
    ALREADY_PENDING = "already_pending"
    ALREADY_SENT = "already_sent"
    BROKER_UNAVAILABLE = "broker_unavailable"
    TASK_UNAVAILABLE = "task_unavailable"


class BrokerUnavailable(Exception):
    """The Celery broker could not take the task within the enqueue timeout."""


def load_report_task():
    """Import the configured report task (``SURVEY_REPORT_BANNER_TASK``); raise ImportError if absent."""
    return import_string(conf.task_path())


def dismiss(user):
    """Record that ``user`` dismissed the banner; it stays hidden for them for the threshold window."""
    # The post_save receiver (signals.changed) makes cached decisions stale. A savepoint, so that
    # a failed INSERT (table not migrated yet) leaves the request's transaction usable for the
    # session and the message that explain it (the LMS runs views with ATOMIC_REQUESTS).
    with transaction.atomic():
        return SurveyReportBannerDismissal.objects.create(user=user)


def request_report(user):
    """
    Enqueue edx-platform's report task once, however many superusers click at the same time.

    The request row is locked for the whole transaction: a concurrent click waits for the lock and
    then sees the fresh ``requested_at``, so it answers "already pending" instead of enqueueing a
    second task. If the broker refuses, the transaction rolls back and nothing is recorded.
    """
    try:
        task = load_report_task()
        reports.report_model()  # whether a report was sent is read from it, below
    except (ImportError, LookupError, ValueError):
        # System checks W002/W003 say which; the superuser gets a message, not an error page.
        log.exception("Survey report task %r or model %r is not installed", conf.task_path(),
                      conf.report_model_label())
        return RequestOutcome.TASK_UNAVAILABLE

    now = timezone.now()
    # get_or_create already copes with a concurrent INSERT (it catches the IntegrityError).
    SurveyReportRequest.objects.get_or_create(pk=SurveyReportRequest.SINGLETON_ID)
    try:
        with transaction.atomic():
            # An UPDATE first takes the write lock on every backend (row lock on MySQL/PostgreSQL,
            # database lock on SQLite, where SELECT ... FOR UPDATE is a no-op), so concurrent
            # clicks are serialised here rather than both reading "nothing pending".
            SurveyReportRequest.objects.filter(pk=SurveyReportRequest.SINGLETON_ID).update(
                task_id=F("task_id")
            )
            lock = SurveyReportRequest.objects.select_for_update().get(pk=SurveyReportRequest.SINGLETON_ID)
            if reports.report_pending(lock.requested_at, now):
                return RequestOutcome.ALREADY_PENDING
            # A click from a page loaded before the last report went out: it already has its answer.
            if reports.last_sent_report(now) is not None:
                return RequestOutcome.ALREADY_SENT
            result = enqueue(task)
            lock.requested_at = now
            lock.requested_by = user
            lock.task_id = getattr(result, "id", "") or ""
            lock.save()
    except BrokerUnavailable:
        return RequestOutcome.BROKER_UNAVAILABLE
    invalidate()
    log.info("Survey report requested by user %s (task %s)", user.pk, lock.task_id)
    return RequestOutcome.ENQUEUED


def outcome_message(outcome):
    """
    The Django admin message, ``(level, text)``, telling a superuser what their request did.

    Shared by *Send report* and the guarded "Generate Report" button of the report list, so both
    say the same thing for the same outcome.
    """
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
    }[outcome]


def enqueue(task):
    """
    Send ``task`` to the broker, giving up after ``SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT`` seconds.

    Celery's defaults retry a lost broker for minutes, which would hang the superuser's request
    (and a web worker) long past any proxy timeout. This opens a dedicated producer connection
    with short connect/read timeouts and at most one quick retry (for a stale pooled socket).
    """
    app = task.app
    if app.conf.task_always_eager:
        # Development settings (devstack, CELERY_ALWAYS_EAGER) run the task inline.
        return task.apply_async()
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
                connection=connection,
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

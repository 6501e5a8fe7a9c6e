"""
May a survey report be sent now? The one rule that every path that sends goes through.

Start at :func:`decide`: it reads top to bottom. The paths that send are *Send report*, the
guarded "Generate Report" button of the report list, ``send_survey_report_if_due`` (the daily
job, ``tutor ... do survey-report``, a manual run) and the report list's "Send report to external
API" action. Each calls :func:`claim`, which asks :func:`decide` under the send lock (the single
``SurveyReportRequest`` row, locked in the database) and, on yes, records the attempt and claims
the send before anything leaves. Two paths asking at the same moment, in two processes or on two
machines, therefore wait for each other, and the second sees the first one's claim.

How long a claim holds is :func:`claim_hold`'s rule, and how long a send may last is
:func:`send_limits`': a claim never ends while its send can still be in flight (ADR 0006). What
"delivered" and "on its way" mean in upstream's report table is in ``reports.py``.
"""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone

from . import conf, reports
from .caching import invalidate
from .models import SurveyReportAttempt, SurveyReportRequest

#: While sending fails, at most this many attempts in any ATTEMPT_PERIOD, whatever their triggers:
#: an endpoint that stores a report and then answers 5xx gets no more copies than this.
MAX_ATTEMPTS = 3
ATTEMPT_PERIOD = timedelta(hours=1)

#: Seconds between a send's soft time limit (an exception inside the POST, which upstream's
#: ``except`` turns into the ``error`` state) and its hard one (the process running it is killed).
HARD_LIMIT_GRACE = 30

#: A claim outlasts its send's hard limit by this much: the worker's clock, which enforces
#: ``expires`` and the limits, may run a little behind the web server's, which set them.
CLOCK_SLACK = timedelta(seconds=60)


class Outcome(enum.Enum):
    """The gate's answer."""

    SEND = "send"
    ALREADY_SENT = "already_sent"
    ON_ITS_WAY = "on_its_way"
    TOO_SOON = "too_soon"


@dataclass(frozen=True)
class Verdict:
    """The gate's answer, with what each answer needs to be explained or acted on."""

    outcome: Outcome
    # ALREADY_SENT: the report delivered within the window.
    last_sent: object = None
    # TOO_SOON: when the next attempt will be allowed.
    retry_at: datetime | None = None
    # SEND: when the claim was made, and the newest report row before it (rows above are this attempt's).
    claimed_at: datetime | None = None
    after_report_id: int = 0
    task_id: str = ""
    attempt_id: int | None = None

    @property
    def may_send(self):
        """Whether the caller may send now (it holds the claim)."""
        return self.outcome is Outcome.SEND


def decide(now=None, *, lead=timedelta(0), force=False):
    """
    Decide whether a survey report may be sent now. Callers hold the send lock (see :func:`claim`).

    1. Not while a report is on its way: a claim still held (a queued task, a send in progress)
       or a report row still being generated or posted within the pending window. At most one at
       a time.
    2. Not if a report was delivered within ``SURVEY_REPORT_CHECK_THRESHOLD`` months (as of
       ``now + lead``: a scheduled run looks ahead to its next run), unless ``force``: one report
       per window.
    3. Not when ``MAX_ATTEMPTS`` attempts were made within the last ``ATTEMPT_PERIOD`` (sending
       keeps failing); the verdict says when the next one is allowed.
    4. Otherwise, yes.
    """
    now = now or timezone.now()
    # "On its way?" is asked before "delivered?", and the claim before the report rows. Each
    # statement sees what was committed when it started (READ COMMITTED on MySQL and PostgreSQL),
    # and a send only moves forward: claimed, then its row on its way, then delivered or failed
    # (a re-send: claimed, then its upload recorded, then released). So whatever a worker commits
    # between two statements, a send missed by one is seen, further along, by the next; asked the
    # other way round, a report delivered in between looked neither delivered nor on its way.
    if held_claims(now).exists() or reports.report_model().objects.filter(reports.on_its_way(now)).exists():
        return Verdict(Outcome.ON_ITS_WAY)
    if not force:
        last_sent = reports.last_sent_report(now + lead)
        if last_sent is not None:
            return Verdict(Outcome.ALREADY_SENT, last_sent=last_sent)
    recent = list(counted_attempts(now).values_list("attempted_at", flat=True)[:MAX_ATTEMPTS])
    retry_at = next_attempt_at(recent[MAX_ATTEMPTS - 1] if len(recent) >= MAX_ATTEMPTS else None)
    if retry_at is not None:
        return Verdict(Outcome.TOO_SOON, retry_at=retry_at)
    return Verdict(Outcome.SEND)


def counted_attempts(now):
    """The attempts that count against the bound at ``now`` (rule 3): the last ``ATTEMPT_PERIOD``'s, newest first."""
    return SurveyReportAttempt.objects.filter(attempted_at__gt=now - ATTEMPT_PERIOD).order_by("-attempted_at")


def next_attempt_at(bounding_attempt):
    """
    When the next attempt is allowed, from the ``MAX_ATTEMPTS``-th newest counted attempt's time.

    None (no such attempt: fewer were made) means now. The oldest of the counted attempts leaves
    the period first, and with it the bound.
    """
    return bounding_attempt + ATTEMPT_PERIOD if bounding_attempt is not None else None


def held_claims(now):
    """
    The request row, if its claim still says a report is on its way at ``now``.

    A claim ends at ``busy_until``, when its sender releases it, or as soon as a report row newer
    than the claim exists (the worker picked the task up): from then on that row's state speaks.
    """
    newer_report = reports.report_model().objects.filter(pk__gt=OuterRef("after_report_id"))
    return SurveyReportRequest.objects.filter(
        pk=SurveyReportRequest.SINGLETON_ID, busy_until__gt=now
    ).exclude(Exists(newer_report))


def send_limits(claimed_at):
    """
    How long a send claimed at ``claimed_at`` may last, as Celery's options for its task.

    It never starts later than the pending window after the claim (``expires``, an absolute time),
    its POST is interrupted at ``SURVEY_REPORT_BANNER_SEND_TIMEOUT`` (the soft limit: upstream's
    ``except`` moves its row to ``error``), and the process running it is killed
    ``HARD_LIMIT_GRACE`` seconds later (the hard limit). The command applies the same two limits
    in its own process (``sending.deadline``).
    """
    return {
        "expires": claimed_at + conf.pending_window(),
        "soft_time_limit": conf.send_timeout(),
        "time_limit": conf.send_timeout() + HARD_LIMIT_GRACE,
    }


def claim_hold(queued):
    """
    How long a claim holds: at least as long as its send can last (ADR 0006).

    A queued send (a Celery task) may wait in the queue until its ``expires`` and then run until
    its hard limit; an inline one (the command) runs until its hard limit. Plus the clock slack.
    A sender that finishes earlier releases its claim; a report row its task creates ends the
    claim too, and is then on its way for the pending window, which is always longer than the
    hard limit (the settings' ranges guarantee it: 15 minutes or more against 630 seconds at most).
    """
    waiting = conf.pending_window() if queued else timedelta(0)
    return waiting + timedelta(seconds=conf.send_timeout() + HARD_LIMIT_GRACE) + CLOCK_SLACK


def claim(trigger, user=None, *, lead=timedelta(0), force=False, enqueue=None):
    """
    Take the send lock, :func:`decide`, and on yes record the attempt and claim the send.

    ``enqueue`` (for a send on a worker) runs inside the lock's transaction with the claim's time
    (for :func:`send_limits`) and returns the task id; if it raises (the broker is down), nothing
    is recorded and the exception propagates. The claim holds for :func:`claim_hold`.
    Returns the :class:`Verdict`; a sender calls :func:`release` when it is done.
    """
    # get_or_create already copes with a concurrent INSERT (it catches the IntegrityError).
    SurveyReportRequest.objects.get_or_create(pk=SurveyReportRequest.SINGLETON_ID)
    with transaction.atomic():
        # An UPDATE first takes the write lock on every backend (row lock on MySQL/PostgreSQL,
        # database lock on SQLite, where SELECT ... FOR UPDATE is a no-op), so concurrent senders
        # are serialised here rather than both reading "nothing on its way".
        SurveyReportRequest.objects.filter(pk=SurveyReportRequest.SINGLETON_ID).update(task_id=F("task_id"))
        lock = SurveyReportRequest.objects.select_for_update().get(pk=SurveyReportRequest.SINGLETON_ID)
        now = timezone.now()  # After the wait for the lock: the other sender's claim is visible now.
        verdict = decide(now, lead=lead, force=force)
        if not verdict.may_send:
            return verdict
        after_report_id = reports.report_model().objects.aggregate(newest=Max("pk"))["newest"] or 0
        task_id = (enqueue(now) if enqueue else "") or ""
        lock.requested_at = now
        lock.requested_by = user
        lock.trigger = trigger
        lock.task_id = task_id
        lock.after_report_id = after_report_id
        lock.busy_until = now + claim_hold(queued=enqueue is not None)
        lock.save()
        attempt = SurveyReportAttempt.objects.create(attempted_at=now, trigger=trigger, user=user, task_id=task_id)
    invalidate()
    return Verdict(Outcome.SEND, claimed_at=now, after_report_id=after_report_id, task_id=task_id,
                   attempt_id=attempt.pk)


def wait_for_claim():
    """
    On a worker, before a task enqueued by :func:`claim` acts: wait until that claim is committed.

    The task is enqueued inside the claim's transaction, so a fast worker may start it before the
    claim and its attempt are visible; the claim holds the lock row until it commits, and this
    takes the same lock (an UPDATE, which waits on every backend), then lets it go at once.
    """
    with transaction.atomic():
        SurveyReportRequest.objects.filter(pk=SurveyReportRequest.SINGLETON_ID).update(task_id=F("task_id"))


def record_cause(attempt_id, cause):
    """Record why the attempt failed (a ``sending.cause_of`` code) for the banner and the status command."""
    if cause:
        SurveyReportAttempt.objects.filter(pk=attempt_id).update(cause=cause[:255])
        invalidate()


def release(claimed_at):
    """
    A sender is done: end the claim it made at ``claimed_at`` (a later claim is left alone).

    Called after the send's outcome is committed (a report row, an upload), so that whoever sees
    the claim gone sees that outcome too.
    """
    SurveyReportRequest.objects.filter(
        pk=SurveyReportRequest.SINGLETON_ID, requested_at=claimed_at
    ).update(busy_until=None)
    invalidate()


def own_report(verdict):
    """The report row this attempt created (the first one above its claim), or None."""
    return (
        reports.report_model().objects.filter(pk__gt=verdict.after_report_id).order_by("pk").first()
    )

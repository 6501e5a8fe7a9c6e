"""
Running a send: its time limits in this process, the cause of a failure, and the app's own re-send.

Used by ``send_survey_report_if_due`` (which runs upstream's task in-process, under
:func:`deadline`), by the worker around upstream's task (``signals.py`` records the cause), and by
the report list's re-send task (:func:`resend`). Upstream's task catches every exception and logs
one line without it, so the cause is taken from the exception being handled when that line is
logged (:func:`capture_failure`), and named as a cause code (:func:`cause_of`).
"""

import contextlib
import importlib
import logging
import os
import signal
import sys
import threading

import requests

log = logging.getLogger(__name__)

#: openedx-platform's report module: the re-send takes the site's identifier from its ``get_id()``.
UPSTREAM_API = "openedx.features.survey_report.api"


class SendTimedOut(Exception):
    """
    The send ran past its deadline.

    An ``Exception`` (not a ``BaseException``) on purpose: raised inside upstream's POST, it is caught
    by upstream's own ``except Exception``, which moves the report row to ``error``.
    """


@contextlib.contextmanager
def deadline(soft, hard):
    """
    Bound a send in this process as Celery bounds one on a worker: a soft and a hard limit.

    At ``soft`` seconds :class:`SendTimedOut` is raised in the main thread (SIGALRM: a signal is
    the one way to interrupt a blocking socket read from Python; upstream's ``except`` then moves
    the row to ``error``). Should the send still run at ``hard`` seconds (stuck where no signal
    reaches it: a DNS lookup, C code), the process exits at once with status 1, as a worker's
    child is killed at its hard limit: the send gate's claim outlasts ``hard``, so no send can be
    in flight once its claim ends. Off the main thread no SIGALRM can be set; the hard limit holds.
    """
    def expired(signum, frame):  # pylint: disable=unused-argument
        raise SendTimedOut(f"timed out after {soft:g} s")

    def killed():
        sys.stderr.write(f"The survey report send was still running after {hard:g} s: stopped.\n")
        sys.stderr.flush()
        os._exit(1)  # pylint: disable=protected-access

    watchdog = threading.Timer(hard, killed)
    watchdog.daemon = True
    watchdog.start()
    alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if alarm:
        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, soft)
    try:
        yield
    finally:
        watchdog.cancel()
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


class FailureCatcher(logging.Handler):
    """Keep the exception being handled when an error is logged (the handler runs in the ``except``)."""

    def __init__(self):
        """Catch errors only: upstream logs its failure at ERROR."""
        super().__init__(level=logging.ERROR)
        self.exception = None

    def emit(self, record):
        """Keep the record's exception, or the one being handled while it is logged."""
        exc = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        if exc is not None:
            self.exception = exc


@contextlib.contextmanager
def capture_failure():
    """Yield a catcher whose ``exception`` is the error logged inside the block, if any."""
    catcher = FailureCatcher()
    root = logging.getLogger()
    root.addHandler(catcher)
    try:
        yield catcher
    finally:
        root.removeHandler(catcher)


#: Cause codes (stored in ``SurveyReportAttempt.cause``, at most 255 characters). Each names what
#: is known about a failed send, in a form both the command (English) and the banner (translated)
#: can say: ``http:<status>``, ``redirect:<status>``, ``refused``, ``timeout``, ``unreachable``,
#: ``unrecorded`` (the endpoint answered 2xx, upstream could not record the answer), ``error:<text>``.
CAUSE_HTTP = "http"
CAUSE_REDIRECT = "redirect"
CAUSE_REFUSED = "refused"
CAUSE_TIMEOUT = "timeout"
CAUSE_UNREACHABLE = "unreachable"
CAUSE_UNRECORDED = "unrecorded"
CAUSE_ERROR = "error"
CAUSE_MAX_LENGTH = 255


class Redirected(Exception):
    """The endpoint answered with a redirect: the report was not accepted there (nothing follows it)."""

    def __init__(self, status_code, location):
        """The redirect's status and where it pointed."""
        super().__init__(f"the endpoint answered HTTP {status_code}, a redirect to {location or '?'}")
        self.status_code = status_code
        self.location = location


def _chain(exc):
    chain = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def cause_of(exc):
    """
    The cause code of a failed send (see ``CAUSE_*``), or "" when there was no exception.

    Walks the chain (upstream wraps the error in a bare ``Exception``) for the first error it can
    name: a timeout, an HTTP status, a redirect, a refused or unreachable endpoint, a 2xx answer
    that upstream could not record (a ``DatabaseError`` on the upload); else the innermost error.
    """
    # Imported here: celery and django.db are heavy for a module the command imports early.
    from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded  # pylint: disable=import-outside-toplevel
    from django.db import DatabaseError  # pylint: disable=import-outside-toplevel

    chain = _chain(exc)
    for error in chain:
        if isinstance(error, (SendTimedOut, SoftTimeLimitExceeded, TimeLimitExceeded, requests.Timeout)):
            return CAUSE_TIMEOUT
        if isinstance(error, Redirected):
            return f"{CAUSE_REDIRECT}:{error.status_code}"
        if isinstance(error, requests.HTTPError) and error.response is not None:
            return f"{CAUSE_HTTP}:{error.response.status_code}"
        if isinstance(error, requests.ConnectionError):
            return CAUSE_REFUSED if _refused(error) else CAUSE_UNREACHABLE
        if isinstance(error, DatabaseError):
            # Raised after raise_for_status() passed: the only write left is the upload's record.
            return CAUSE_UNRECORDED
    if not chain:
        return ""
    return f"{CAUSE_ERROR}:{type(chain[-1]).__name__}: {chain[-1]}"[:CAUSE_MAX_LENGTH]


def explain(cause):
    """A cause code in words an operator can act on (English: for logs and the command), or None."""
    if not cause:
        return None
    kind, _sep, detail = cause.partition(":")
    return {
        CAUSE_HTTP: f"the endpoint answered HTTP {detail}",
        CAUSE_REDIRECT: f"the endpoint answered HTTP {detail}, a redirect: the report was not accepted there",
        CAUSE_REFUSED: "the endpoint refused the connection",
        CAUSE_TIMEOUT: "the endpoint did not answer in time",
        CAUSE_UNREACHABLE: "the endpoint could not be reached",
        CAUSE_UNRECORDED: ("the endpoint accepted the report, but openedx-platform could not record its answer "
                           "(SurveyReportUpload.request_details holds 255 characters)"),
    }.get(kind, detail or cause)


def describe(exc):
    """The cause of a failed send, in words an operator can act on, or None when unknown."""
    return explain(cause_of(exc))


def _refused(error):
    """Whether a requests ConnectionError was a refused TCP connection (urllib3 keeps it in the message)."""
    return "Connection refused" in str(error) or "[Errno 111]" in str(error)


def resend(report_id, claimed_at, task_id):
    """
    Re-send one report (the report list's action), on a worker, and end the claim that asked for it.

    The send is the app's own rather than upstream's ``send_report_to_external_api``, for the two
    answers upstream records wrongly (README, *When the report endpoint is unreachable*):

    * a redirect is not followed: ``requests`` would repeat a 302 as a GET with no body and
      record the landing page's 200 as a delivered report; here it is a failure (``redirect:302``);
    * a 2xx answer is recorded with ``request_details`` cut to its column (255 characters), where
      upstream's longer value raises ``DataError`` on strict MySQL after the report was stored.

    The body is upstream's (``reports.body_of`` with upstream's ``get_id()``). The POST is bounded
    by the task's time limits (``gate.send_limits``) and, belt and braces, by a socket timeout.
    The failure's cause is recorded on the attempt; the claim is released after the outcome.
    """
    # Imported here: the gate imports models, which this module must not need at import time.
    from . import conf, gate, reports  # pylint: disable=import-outside-toplevel
    from .models import SurveyReportAttempt  # pylint: disable=import-outside-toplevel

    gate.wait_for_claim()
    try:
        report = reports.report_model().objects.get(pk=report_id)
        upstream = importlib.import_module(UPSTREAM_API)
        body = reports.body_of(report, upstream.get_id())
        response = requests.post(
            conf.report_endpoint(), json=body, allow_redirects=False, timeout=conf.send_timeout()
        )
        if response.is_redirect or 300 <= response.status_code < 400:
            raise Redirected(response.status_code, response.headers.get("Location"))
        response.raise_for_status()
        uploads = reports.upload_model()
        if uploads is not None:
            details = uploads._meta.get_field("request_details")  # pylint: disable=protected-access
            uploads.objects.create(
                report=report, status_code=response.status_code,
                request_details=response.text[:details.max_length] if details.max_length else response.text,
            )
        log.info("Survey report %s was re-sent (HTTP %s)", report_id, response.status_code)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # Celery's soft time limit lands here too (SoftTimeLimitExceeded is an Exception).
        cause = cause_of(exc)
        log.warning("Re-sending survey report %s failed: %s", report_id, explain(cause))
        for attempt in SurveyReportAttempt.objects.filter(task_id=task_id).values_list("pk", flat=True):
            gate.record_cause(attempt, cause)
    finally:
        gate.release(claimed_at)

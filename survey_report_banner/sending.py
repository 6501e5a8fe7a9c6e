"""
Running a send in this process: a deadline (upstream POSTs with no timeout) and the cause of a failure.

Used by ``send_survey_report_if_due`` (which runs upstream's task in-process) and the report list's
re-send action. Upstream's task catches every exception and logs one line without it, so the cause
is taken from the exception being handled when that line is logged (:func:`capture_failure`).
"""

import contextlib
import logging
import signal
import sys
import threading

import requests


class SendTimedOut(Exception):
    """
    The send ran past its deadline.

    An ``Exception`` (not a ``BaseException``) on purpose: raised inside upstream's POST, it is caught
    by upstream's own ``except Exception``, which moves the report row to ``error``.
    """


@contextlib.contextmanager
def deadline(seconds):
    """
    Raise :class:`SendTimedOut` in this thread once ``seconds`` have passed (SIGALRM, main thread only).

    A signal is the one way to interrupt a blocking socket read from Python: the handler's
    exception ends the read. Off the main thread (where signals cannot be handled) no deadline is
    set; the caller's own limits (a Job's deadline, Celery's time limit) still apply.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):  # pylint: disable=unused-argument
        raise SendTimedOut(f"timed out after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class FailureCatcher(logging.Handler):
    """Keep the exception being handled when an error is logged (the handler runs in the ``except``)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.exception = None

    def emit(self, record):
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

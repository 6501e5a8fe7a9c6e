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


class _FailureCatcher(logging.Handler):
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
    catcher = _FailureCatcher()
    root = logging.getLogger()
    root.addHandler(catcher)
    try:
        yield catcher
    finally:
        root.removeHandler(catcher)


def describe(exc):
    """
    The cause of a failed send, in words an operator can act on, or None when unknown.

    Walks the chain (upstream wraps the error in a bare ``Exception``): an HTTP status, a refused
    or unreachable endpoint, a timeout, else the innermost error's own message.
    """
    chain = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for error in chain:
        if isinstance(error, SendTimedOut):
            return f"the endpoint did not answer: {error}"
        if isinstance(error, requests.HTTPError) and error.response is not None:
            return f"the endpoint answered HTTP {error.response.status_code}"
        if isinstance(error, requests.Timeout):
            return "the endpoint did not answer in time"
        if isinstance(error, requests.ConnectionError):
            if _refused(error):
                return "the endpoint refused the connection"
            return f"the endpoint could not be reached ({error})"
    return f"{type(chain[-1]).__name__}: {chain[-1]}" if chain else None


def _refused(error):
    """Whether a requests ConnectionError was a refused TCP connection (urllib3 keeps it in the message)."""
    return "Connection refused" in str(error) or "[Errno 111]" in str(error)

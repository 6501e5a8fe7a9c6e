"""
Tests of survey_report_banner.sending: a send's limits in this process, and the cause of a failure.

The re-send task itself is tested where a superuser meets it (``tests/test_admin.py``).
"""

import subprocess
import sys
import time

import pytest
import requests
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DataError, OperationalError

from host.processes import REPO_DIR, TESTS_DIR
from survey_report_banner import sending


def _http_error(status):
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(response=response)


def _wrapped(error):
    """As upstream's generate_report raises it: a bare Exception from the real error."""
    try:
        try:
            raise error
        except Exception as inner:
            raise Exception(inner) from inner  # pylint: disable=broad-exception-raised
    except Exception as outer:  # pylint: disable=broad-exception-caught
        return outer


@pytest.mark.parametrize("error, cause, words", [
    (_http_error(503), "http:503", "the endpoint answered HTTP 503"),
    (sending.Redirected(302, "/"), "redirect:302",
     "the endpoint answered HTTP 302, a redirect: the report was not accepted there"),
    (requests.ConnectionError("[Errno 111] Connection refused"), "refused", "the endpoint refused the connection"),
    (requests.ConnectionError("Name or service not known"), "unreachable", "the endpoint could not be reached"),
    (requests.ReadTimeout(), "timeout", "the endpoint did not answer in time"),
    (SoftTimeLimitExceeded(), "timeout", "the endpoint did not answer in time"),
    (sending.SendTimedOut("timed out after 1 s"), "timeout", "the endpoint did not answer in time"),
    (DataError("Data too long for column 'request_details'"), "unrecorded",
     "the endpoint accepted the report, but openedx-platform could not record its answer "
     "(SurveyReportUpload.request_details holds 255 characters)"),
    (OperationalError("server has gone away"), "error:OperationalError: server has gone away",
     "OperationalError: server has gone away"),
])
def test_the_cause_of_a_failure_through_upstreams_wrapper(error, cause, words):
    assert sending.cause_of(_wrapped(error)) == cause
    assert sending.explain(cause) == words


def test_no_failure_no_cause():
    assert sending.cause_of(None) == "" and sending.explain("") is None


def test_a_long_message_fits_the_column():
    assert len(sending.cause_of(ValueError("x" * 1000))) == sending.CAUSE_MAX_LENGTH


def test_the_soft_limit_interrupts_a_blocking_wait():
    started = time.monotonic()
    with pytest.raises(sending.SendTimedOut), sending.deadline(0.3, 30):
        time.sleep(5)
    assert time.monotonic() - started < 2


def _in_a_process(code):
    env = {"PYTHONPATH": f"{REPO_DIR}:{TESTS_DIR}", "DJANGO_SETTINGS_MODULE": "host.settings", "PATH": "/usr/bin:/bin"}
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False,
    )


def test_the_hard_limit_ends_the_process_where_no_signal_reaches():
    """A send stuck past its soft limit (the signal swallowed, as in C code): the process exits at the hard one."""
    started = time.monotonic()
    result = _in_a_process(
        "import time\n"
        "from survey_report_banner import sending\n"
        "with sending.deadline(0.2, 1.5):\n"
        "    end = time.monotonic() + 20\n"
        "    while time.monotonic() < end:\n"
        "        try:\n"
        "            time.sleep(0.05)\n"
        "        except sending.SendTimedOut:\n"
        "            pass\n"
        "print('not reached')\n"
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1 and "not reached" not in result.stdout
    assert result.stderr.strip().endswith("The survey report send was still running after 1.5 s: stopped.")
    assert 1.5 <= elapsed < 10


def test_a_finished_send_cancels_both_limits():
    result = _in_a_process(
        "import time\n"
        "from survey_report_banner import sending\n"
        "with sending.deadline(0.2, 0.4):\n"
        "    pass\n"
        "time.sleep(0.6)\n"
        "print('done')\n"
    )
    assert (result.returncode, result.stdout.strip()) == (0, "done")

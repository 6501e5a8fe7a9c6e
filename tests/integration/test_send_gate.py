"""
The send gate across real processes: every path that sends sees the others, on SQLite and MariaDB.

Scheduler runs are real ``django-admin send_survey_report_if_due`` processes; clicks go through a
real web server; reports are run by a real Celery worker and POSTed to the loopback receiver,
whose count is what the Open edX project would see.
"""

import subprocess
import sys
import time
from collections import Counter

import pytest

from host.processes import REPO_DIR

from .support import REDIS_BROKER_URL, AdminSession, wait_until

pytestmark = pytest.mark.worker

TASK = "openedx.features.survey_report.tasks.generate_survey_report"
SENT = "generated and sent."
ON_ITS_WAY = "Not sending: a survey report is already on its way"


def scheduler_run(stack, *args, env=None):
    """Start one scheduler run as its own process (``--scheduled``, as the Tutor job calls it)."""
    return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "django", "send_survey_report_if_due", "--scheduled", *args],
        env={**stack.config.env(), **(env or {})}, cwd=REPO_DIR,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def outcome(process, timeout=60):
    """``(exit code, output)`` of a finished run."""
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


@pytest.fixture(params=["sqlite", "mariadb"])
def database(request, sqlite_db):
    """Each test runs on the SQLite file and on a MariaDB database (the gate's lock differs)."""
    if request.param == "sqlite":
        return sqlite_db
    return request.getfixturevalue("mariadb_db")


def test_overlapping_scheduler_runs_send_one_report(stack_factory, database):
    """
    Five runs at the same moment (a CronJob run twice, ``kubectl create job --from``, a manual
    ``do``): one sends, the others see it on its way and exit 0. The receiver holds its answer
    until every other run has decided, so they really overlap.
    """
    stack = stack_factory(database, "memory://", shared_cache=False)
    stack.receiver.pause()
    try:
        runs = [scheduler_run(stack) for _ in range(5)]
        stack.receiver.wait_for(1, timeout=60)
        wait_until(lambda: sum(run.poll() is not None for run in runs) >= 4, 60, message="four runs deciding")
    finally:
        stack.receiver.resume()
    results = [outcome(run) for run in runs]
    assert [code for code, _ in results] == [0] * 5, results
    assert Counter(SENT in output for _, output in results) == {True: 1, False: 4}, results
    assert all(ON_ITS_WAY in output for _, output in results if SENT not in output), results
    time.sleep(0.5)
    assert len(stack.receiver.payloads) == 1
    assert database.objects("report").count() == 1


def test_a_click_still_queued_then_the_daily_run(stack_factory, database, redis_service):
    """The worker is busy or stopped when the superuser clicks; the daily run comes next: one report."""
    stack = stack_factory(database, REDIS_BROKER_URL)
    stack.web()
    database.create_user("alice")
    client = AdminSession(stack.url).login("alice")
    assert client.press("send", json=True).json()["status"] == "enqueued"

    code, output = outcome(scheduler_run(stack))
    assert code == 0 and ON_ITS_WAY in output, output
    assert not database.objects("report").exists()

    stack.worker()  # The worker comes back and runs the queued click.
    stack.receiver.wait_for(1, timeout=30)
    wait_until(lambda: database.objects("upload").exists(), 10, message="the upload row")
    code, output = outcome(scheduler_run(stack))
    assert code == 0 and output.startswith("Not due:"), output
    assert len(stack.receiver.payloads) == 1


def test_try_again_against_a_failing_endpoint_is_bounded(stack_factory, sqlite_db, redis_service):
    """
    Twenty *Try again* clicks while the endpoint answers 500 (one that stores, then fails, would
    keep every copy): at most three attempts reach it in the hour; the rest are told when to retry.
    """
    stack = stack_factory(sqlite_db, REDIS_BROKER_URL)
    stack.web()
    stack.worker()
    sqlite_db.create_user("alice")
    client = AdminSession(stack.url).login("alice")
    stack.receiver.status = 500
    answers = []
    for _ in range(20):
        response = client.press("send", json=True)
        answers.append(response.status_code)
        if response.status_code == 200:
            wait_until(lambda: client.get(client.url("/survey-report-banner/status/")).json()["state"] == "failed",
                       30, message="the attempt failing")
        else:
            assert response.status_code == 429, response.text
            body = response.json()
            assert body["status"] == "too_soon" and "You can try again after" in body["message"]
            assert int(response.headers["Retry-After"]) > 0
    assert answers[:3] == [200, 200, 200] and set(answers[3:]) == {429}
    stack.wait_until_workers_idle()
    assert len(stack.receiver.payloads) == 3
    # A run of the scheduler in the same hour is refused too, and says so.
    code, output = outcome(scheduler_run(stack, "--force"))
    assert code == 1 and "3 attempts to send a survey report failed within the last hour" in output, output
    assert len(stack.receiver.payloads) == 3


def test_a_silent_endpoint_ends_the_scheduled_run_at_its_deadline(stack_factory, sqlite_db):
    """Upstream POSTs with no timeout; the run exits non-zero at its deadline and says why."""
    stack = stack_factory(sqlite_db, "memory://", shared_cache=False)
    stack.receiver.pause()
    try:
        started = time.monotonic()
        code, output = outcome(scheduler_run(stack, env={"SRB_SEND_TIMEOUT": "2"}))
        elapsed = time.monotonic() - started
    finally:
        stack.receiver.resume()
    assert code == 1, output
    assert "(the endpoint did not answer in time)" in output, output
    assert elapsed < 30
    assert sqlite_db.objects("report").get().state == "error"
    assert not sqlite_db.objects("upload").exists()


def test_a_task_queued_longer_than_the_pending_window_never_runs(stack_factory, sqlite_db, redis_service,
                                                                  monkeypatch):
    """
    Workers down for hours: a click's task waits in the queue. When they come back, a task older
    than the pending window (by then the banner may have queued another) is discarded by Celery.
    The task is enqueued by the banner's own ``enqueue``, with the window shortened to a second.
    """
    from datetime import timedelta  # pylint: disable=import-outside-toplevel

    from celery import Celery  # pylint: disable=import-outside-toplevel

    from survey_report_banner import api, conf  # pylint: disable=import-outside-toplevel

    stack = stack_factory(sqlite_db, REDIS_BROKER_URL)
    producer = Celery("stale-click", broker=REDIS_BROKER_URL, set_as_current=False)
    producer.conf.task_default_queue = stack.config.queue
    task = producer.task(name=TASK)(_not_run_here)
    monkeypatch.setattr(conf, "pending_window", lambda: timedelta(seconds=1))
    api.enqueue(task)
    time.sleep(2)
    worker = stack.worker()
    wait_until(lambda: "revoked" in worker.log_text().lower(), 20, message="the worker discarding the expired task")
    time.sleep(1)
    assert stack.receiver.payloads == [] and not sqlite_db.objects("report").exists()
    assert "succeeded" not in worker.log_text() and "Started - generate survey report" not in worker.log_text()


def _not_run_here():
    """The producer's side of the report task: only its name travels; the worker runs the real one."""

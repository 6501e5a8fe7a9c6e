"""
The send gate across real processes: every path that sends sees the others, on SQLite and MariaDB.

Scheduler runs are real ``django-admin send_survey_report_if_due`` processes; clicks go through a
real web server; reports are run by a real Celery worker and POSTed to the loopback receiver,
whose count is what the Open edX project would see.
"""

import contextlib
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

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


# ---------------------------------------------------------------------------------------------
# Time limits on a prefork worker (the LMS's pool; solo ignores them), and the claim outlasting
# every send (ADR 0006).
# ---------------------------------------------------------------------------------------------

def test_a_silent_endpoint_is_cut_at_the_soft_limit_on_a_prefork_worker(stack_factory, mariadb_db, redis_service):
    """*Send report* against an endpoint that never answers: the worker's soft limit ends the POST."""
    stack = stack_factory(mariadb_db, REDIS_BROKER_URL)
    stack.config = replace(stack.config, send_timeout=2)
    stack.web()
    worker = stack.worker()
    mariadb_db.create_user("alice")
    client = AdminSession(stack.url).login("alice")
    stack.receiver.pause()
    try:
        assert client.press("send", json=True).json()["status"] == "enqueued"
        wait_until(lambda: mariadb_db.objects("report").filter(state="error").exists(), 30,
                   message="the report moved to error by the soft limit")
    finally:
        stack.receiver.resume()
    assert re.search(r"Soft time limit \(2(\.0)?s\) exceeded", worker.log_text())
    wait_until(lambda: mariadb_db.objects("attempt").get().cause == "timeout", 10, message="the cause recorded")
    time.sleep(0.5)
    assert not mariadb_db.objects("upload").exists()  # the late 200 reached nobody


def test_a_send_stuck_past_its_soft_limit_is_killed_at_the_hard_limit(stack_factory, sqlite_db, redis_service,
                                                                   monkeypatch):
    """
    The hard limit kills the prefork child running a send stuck past its soft limit.

    ``gate.send_limits`` puts the hard limit ``HARD_LIMIT_GRACE`` (30 s) after the soft one; its
    values are pinned in tests/test_gate.py. Here the same options, with the grace shortened to 2 s,
    travel through the banner's ``enqueue`` to a real prefork worker, which enforces both.
    """
    from celery import Celery  # pylint: disable=import-outside-toplevel

    from survey_report_banner import api, conf, gate  # pylint: disable=import-outside-toplevel

    stack = stack_factory(sqlite_db, REDIS_BROKER_URL)
    worker = stack.worker()
    producer = Celery("stuck", broker=REDIS_BROKER_URL, set_as_current=False)
    producer.conf.task_default_queue = stack.config.queue
    task = producer.task(name="host.stuck_send")(_not_run_here)
    monkeypatch.setattr(conf, "send_timeout", lambda: 1.0)
    monkeypatch.setattr(gate, "HARD_LIMIT_GRACE", 2)
    started = time.monotonic()
    api.enqueue(task)
    wait_until(lambda: "Hard time limit" in worker.log_text(), 30, message="the hard time limit")
    elapsed = time.monotonic() - started
    assert 3 <= elapsed < 15, elapsed
    assert re.search(r"Soft time limit \(1(\.0)?s\) exceeded", worker.log_text())
    assert re.search(r"Hard time limit \(3(\.0)?s\) exceeded for host\.stuck_send", worker.log_text())


def test_the_resend_answers_at_once_and_its_claim_outlasts_its_post(stack_factory, mariadb_db, redis_service):
    """
    The report list's re-send against a silent endpoint (the adversarial run: a hung re-send got
    its late 200 after a Send click had been let through). Now the admin request answers at once,
    Send is refused while the re-send's POST can still be in flight, the soft limit ends that POST,
    and the report that goes out next is the only one delivered.
    """
    stack = stack_factory(mariadb_db, REDIS_BROKER_URL)
    stack.config = replace(stack.config, send_timeout=3)
    stack.web()
    stack.worker()
    mariadb_db.create_user("alice")
    client = AdminSession(stack.url).login("alice")
    failed = mariadb_db.objects("report").create(state="error")
    stack.receiver.pause()
    try:
        client.admin_page("/admin/survey_report/surveyreport/")
        started = time.monotonic()
        response = client.post(
            client.url("/admin/survey_report/surveyreport/"),
            data={"action": "send_report", "_selected_action": [failed.pk],
                  "csrfmiddlewaretoken": client.cookies["csrftoken"]}, timeout=30,
        )
        assert time.monotonic() - started < 3, "the admin request waited for the POST"
        assert f"Survey report {failed.pk} is being sent again." in response.text
        stack.receiver.wait_for(1, timeout=30)  # The worker's POST hangs now.
        send = client.press("send", json=True)
        assert send.json()["status"] == "already_pending", send.text
        wait_until(lambda: mariadb_db.objects("attempt").get().cause == "timeout", 30,
                   message="the re-send cut at its soft limit")
    finally:
        stack.receiver.resume()
    time.sleep(1)
    assert not mariadb_db.objects("upload").exists()
    assert client.press("send", json=True).json()["status"] == "enqueued"
    wait_until(lambda: mariadb_db.objects("upload").filter(status_code=200).exists(), 30, message="the report sent")
    stack.wait_until_workers_idle()
    assert mariadb_db.objects("upload").filter(status_code__gte=200, status_code__lt=300).count() == 1


@contextlib.contextmanager
def cpu_load(processes=2, seconds=120):
    """Busy loops on every core for the duration (each stops by itself after ``seconds``)."""
    loops = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c",
             f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"]
        )
        for _ in range(processes)
    ]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


@pytest.mark.parametrize("round_", range(3))
def test_every_path_at_once_under_load_sends_one_report(stack_factory, mariadb_db, redis_service, round_):
    """
    On MariaDB, under CPU load, as real processes: five scheduler runs, three superusers clicking
    *Send report* four times each, the report list's re-send and its guarded "Generate Report"
    button, all at once, against a prefork worker. The endpoint receives exactly one report.
    """
    stack = stack_factory(mariadb_db, REDIS_BROKER_URL)
    stack.web(count=2)
    stack.worker()
    names = ("alice", "bob", "carol")
    for name in names:
        mariadb_db.create_user(name)
    servers = stack.web_servers * 2
    sessions = [AdminSession(server.url).login(name) for name, server in zip(names, servers, strict=False)]
    failed = mariadb_db.objects("report").create(state="error")
    resender = sessions[0]
    resender.admin_page("/admin/survey_report/surveyreport/")
    start = threading.Barrier(len(names) + 2)

    def clicks(session):
        start.wait()
        return [session.press("send", json=True).status_code for _ in range(4)]

    def resend():
        start.wait()
        return resender.post(resender.url("/admin/survey_report/surveyreport/"), timeout=30, data={
            "action": "send_report", "_selected_action": [failed.pk],
            "csrfmiddlewaretoken": resender.cookies["csrftoken"]}).status_code

    def generate():
        start.wait()
        return sessions[1].post(sessions[1].url("/survey_report/generate_report"), timeout=30, data={
            "csrfmiddlewaretoken": sessions[1].cookies["csrftoken"]}).status_code

    with cpu_load():
        runs = [scheduler_run(stack) for _ in range(5)]
        with ThreadPoolExecutor(len(names) + 2) as pool:
            answers = [pool.submit(clicks, s) for s in sessions] + [pool.submit(resend), pool.submit(generate)]
            codes = [future.result(timeout=120) for future in answers]
        results = [outcome(run, timeout=120) for run in runs]
        wait_until(lambda: mariadb_db.objects("upload").exists() or mariadb_db.objects("report").filter(
            state="error").count() > 1, 60, message="a report delivered")
        stack.wait_until_workers_idle(timeout=60)
    assert all(code in (200, 302, 429) for group in codes for code in (group if isinstance(group, list) else [group]))
    assert [code for code, _ in results] == [0] * 5, results
    time.sleep(1)
    assert len(stack.receiver.payloads) == 1, stack.receiver.payloads
    assert mariadb_db.objects("upload").filter(status_code__gte=200, status_code__lt=300).count() == 1

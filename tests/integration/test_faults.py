"""
Faults real deployments meet, on real parts: the shared Redis cache going away under a running web
server, and the package installed (and the server restarted) before ``migrate`` on SQLite and
MariaDB. Every admin page keeps working, without the banner; the buttons answer with a message.
"""

import shutil
import subprocess
import time

import pytest

from host.processes import LOOPBACK, free_port, manage

from .support import BANNER_MARKUP, AdminSession, SharedDatabase, Stack, messages_in, need, wait_until

pytestmark = pytest.mark.worker

NOT_READY = "The survey report banner is not ready on this site"
PLUGIN_TABLES = ("survey_report_banner_surveyreportbannerdismissal", "survey_report_banner_surveyreportrequest")


class PrivateRedis:
    """A redis-server of this test's own on a free loopback port, which the test can stop and start."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self):
        """Its URL, database 0."""
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self):
        """Start it and wait until it answers PING."""
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            ["redis-server", "--bind", LOOPBACK, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, message=f"redis-server on port {self.port}")

    def stop(self):
        """Kill it, as a crashed or unreachable cache server is."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self):
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True,
                                check=False, timeout=5)
        return result.stdout.strip() == "PONG"


@pytest.fixture
def private_redis(tmp_path):
    """A private Redis server, started; always stopped after the test."""
    need(None if shutil.which("redis-server") else "redis-server is not installed (apt-get install redis-server)")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_shared_cache_going_away_leaves_the_admin_working(private_redis, stack_factory, sqlite_db):
    # private_redis first: torn down last, after the stack has deleted its keys from it.
    stack = stack_factory(sqlite_db, "memory://", shared_cache=True)
    stack.config.cache_url = private_redis.url
    stack.web()
    sqlite_db.create_user("alice")
    client = AdminSession(stack.url).login("alice")
    assert BANNER_MARKUP in client.admin_page()  # decision computed and cached in Redis

    private_redis.stop()
    started = time.monotonic()
    for path in ("/admin/", "/admin/auth/user/", "/admin/"):
        response = client.get(client.url(path), timeout=10)
        assert response.status_code == 200, response.text[:500]
        assert BANNER_MARKUP not in response.text
    assert time.monotonic() - started < 10  # refused at once, not a timeout per page
    for action in ("send", "dismiss"):
        response = client.press(action)
        assert response.status_code == 200 and response.url == client.url("/admin/")
        assert any(NOT_READY in text for text in messages_in(response.text)), response.text
    assert sqlite_db.request_row() is None and not sqlite_db.objects("dismissal").exists()
    log = stack.web_servers[0].log_text()
    assert log.count("Survey report banner: deciding whether to show the banner failed") == 1, log
    assert "Traceback" not in log

    private_redis.start()  # back (empty): so is the banner
    wait_until(lambda: BANNER_MARKUP in client.admin_page(), 10, message="banner back with the cache")


@pytest.mark.parametrize("engine", ["sqlite", "mariadb"])
def test_restarted_before_migrate(engine, receiver, process_logs, shared_db, tmp_path, request):
    """The new image is up before ``do init`` migrates: admin works; after ``migrate`` the banner appears."""
    if engine == "sqlite":
        database = SharedDatabase.sqlite(tmp_path / "not-migrated.sqlite3", alias="it_not_migrated")
        params = None
    else:
        params = request.getfixturevalue("mariadb_service")
        database = SharedDatabase.mariadb(params, alias="it_not_migrated")
    # Not stack_factory: its reset() empties the banner's tables, which must not exist here.
    stack = Stack.build(database, receiver, process_logs, broker_url="memory://", shared_cache=False)
    try:
        manage(database.config, "migrate", "survey_report_banner", "zero", "--no-input", "-v", "0")
        stack.web()
        database.create_user("alice")
        client = AdminSession(stack.url).login("alice")
        for path in ("/admin/", "/admin/survey_report/surveyreport/"):
            response = client.get(client.url(path), timeout=10)
            assert response.status_code == 200, response.text[:500]
            assert BANNER_MARKUP not in response.text
        response = client.press("dismiss")
        assert response.status_code == 200
        assert any(NOT_READY in text for text in messages_in(response.text)), response.text
        assert "Traceback" not in stack.web_servers[0].log_text()

        manage(database.config, "migrate", "--no-input", "-v", "0")  # `do init`, at last
        assert BANNER_MARKUP in client.admin_page()
    finally:
        stack.stop()
        database.drop(params)

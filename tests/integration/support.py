"""
Building blocks of the integration tier: a database shared with the host's processes, a stack of
those processes, a logged-in HTTP client, and a TCP server that never answers.
"""

import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import requests
from django.contrib.auth import get_user_model
from django.db import connections

from host.processes import REDIS_URL, HostConfig, manage, start_web_server, start_worker, unique_name

CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "integration-pw"
BANNER_MARKUP = 'id="survey-report-banner"'
REDIS_BROKER_URL = f"{REDIS_URL}/15"


def need(problem):
    """
    Go on when ``problem`` is None. Otherwise skip with its one-line reason, or, under ``CI=true``,
    fail: CI must prove the integration tier, not skip it.
    """
    if problem is None:
        return
    if CI:
        pytest.fail(f"{problem} [CI=true: a missing service is a failure, not a skip]", pytrace=False)
    pytest.skip(problem)


@dataclass
class SharedDatabase:
    """
    A database the test process reads and writes through its own alias while host processes use it
    as their ``default``: a SQLite file or a MariaDB database, migrated by ``django-admin migrate``.
    """

    alias: str
    config: HostConfig
    connection_settings: dict

    @classmethod
    def sqlite(cls, path, alias="it_sqlite"):
        """A migrated SQLite file at ``path``, reached by the test process as ``alias``."""
        config = HostConfig(db="sqlite", sqlite_path=str(path))
        return cls._create(alias, config, {
            "ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": {"timeout": 20},
        })

    @classmethod
    def mariadb(cls, params, alias="it_mysql"):
        """A new, migrated, utf8mb4 MariaDB database (dropped by :meth:`drop`), reached as ``alias``."""
        import MySQLdb  # pylint: disable=import-outside-toplevel

        name = unique_name("srb_it_")
        server = MySQLdb.connect(**params)
        try:
            server.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        finally:
            server.close()
        config = HostConfig(db="mysql", mysql_name=name)
        return cls._create(alias, config, {
            "ENGINE": "django.db.backends.mysql", "NAME": name, "USER": params["user"],
            "PASSWORD": params["password"], "HOST": params["host"], "PORT": str(params["port"]),
            "OPTIONS": {"charset": "utf8mb4"},
        })

    @classmethod
    def _create(cls, alias, config, settings):
        manage(config, "migrate", "--no-input", "-v", "0")
        full = connections.configure_settings({"default": {}, alias: settings})[alias]
        connections.settings[alias] = full
        return cls(alias, config, full)

    def drop(self, params=None):
        """Close the test process's connection; drop the MariaDB database."""
        connections[self.alias].close()
        del connections[self.alias]
        connections.settings.pop(self.alias, None)
        if self.config.db == "mysql":
            import MySQLdb  # pylint: disable=import-outside-toplevel

            server = MySQLdb.connect(**params)
            try:
                server.cursor().execute(f"DROP DATABASE IF EXISTS `{self.config.mysql_name}`")
            finally:
                server.close()

    def models(self):
        """The models whose rows tests create or check, as managers on this database."""
        from django.contrib.sessions.models import Session  # pylint: disable=import-outside-toplevel
        from openedx.features.survey_report.models import (  # pylint: disable=import-outside-toplevel
            SurveyReport,
            SurveyReportUpload,
        )
        from waffle.models import Switch  # pylint: disable=import-outside-toplevel

        from survey_report_banner.models import (  # pylint: disable=import-outside-toplevel
            SurveyReportAttempt,
            SurveyReportBannerDismissal,
            SurveyReportRequest,
        )

        return {
            "report": SurveyReport, "upload": SurveyReportUpload, "request": SurveyReportRequest,
            "dismissal": SurveyReportBannerDismissal, "switch": Switch, "session": Session,
            "attempt": SurveyReportAttempt, "user": get_user_model(),
        }

    def objects(self, name):
        """``Model.objects`` of the named model (see :meth:`models`), on this database."""
        return self.models()[name].objects.using(self.alias)

    def reset(self):
        """Delete every row a test may have left: reports, requests, attempts, dismissals, switches, users."""
        for name in ("upload", "report", "request", "attempt", "dismissal", "switch", "session", "user"):
            self.objects(name).all().delete()

    def create_user(self, username, staff=True, superuser=True):
        """A user who logs in with :data:`PASSWORD`."""
        user_model = get_user_model()
        user = user_model(
            username=username, email=f"{username}@example.com", is_staff=staff, is_superuser=superuser,
            password=password_hash(),
        )
        user.save(using=self.alias)
        return user

    def request_row(self):
        """The banner's single request row, or None when no *Send report* ever reached the lock."""
        return self.objects("request").filter(pk=1).first()


_HASH = {}


def password_hash():
    """One PBKDF2 hash of :data:`PASSWORD`, computed once (hashing costs ~0.3 s each time)."""
    if "value" not in _HASH:
        from django.contrib.auth.hashers import make_password  # pylint: disable=import-outside-toplevel

        _HASH["value"] = make_password(PASSWORD)
    return _HASH["value"]


@dataclass
class Stack:
    """
    Real host processes around one :class:`SharedDatabase`: web servers and Celery workers sharing a
    Redis cache prefix (banner decisions) and a broker queue, reporting to one receiver.
    """

    database: SharedDatabase
    receiver: object
    log_dir: Path
    config: HostConfig
    processes: list = field(default_factory=list)
    web_servers: list = field(default_factory=list)
    workers: list = field(default_factory=list)

    @classmethod
    def build(cls, database, receiver, log_dir, broker_url, shared_cache=True):
        """A stack (no process yet) with its own cache prefix and queue name."""
        config = replace(
            database.config,
            cache_prefix=unique_name("srb-it-") if shared_cache else None,
            broker_url=broker_url,
            queue=unique_name("srb-it-"),
            report_endpoint=receiver.endpoint,
        )
        return cls(database, receiver, Path(log_dir), config)

    @property
    def uses_redis_broker(self):
        """Whether the broker is the tier's live Redis (not a closed or silent port)."""
        return self.config.broker_url == REDIS_BROKER_URL

    def web(self, count=1, name="web"):
        """Start ``count`` web servers at once; return the first (its ``url`` is its base URL)."""
        started = [
            start_web_server(self.config, self.log_dir, name=unique_name(name + "-"), wait=False)
            for _ in range(count)
        ]
        self.processes.extend(started)
        self.web_servers.extend(started)
        for process in started:
            process.wait_ready()
        return started[0]

    @property
    def url(self):
        """Base URL of the first web server."""
        return self.web_servers[0].url

    def worker(self, name="worker"):
        """Start a real Celery worker on this stack's queue; return it once ready."""
        process = start_worker(self.config, self.log_dir, name=unique_name(name + "-"))
        self.processes.append(process)
        self.workers.append(process)
        return process

    def wait_until_workers_idle(self, timeout=15):
        """Wait until every task a worker received has finished (its late writes are done)."""
        for worker in self.workers:
            wait_until(lambda worker=worker: unfinished_tasks(worker.log_text()) == set(), timeout,
                       message=f"{worker.name} finishing its tasks")

    def stop(self):
        """Stop every process this stack started; delete its keys from Redis."""
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        self.web_servers.clear()
        self.workers.clear()
        if self.config.cache_prefix:
            delete_redis_keys(self.config.cache_url, f"{self.config.cache_prefix}:*")
        if self.uses_redis_broker:
            delete_redis_keys(self.config.broker_url, f"*{self.config.queue}*")

    def reset(self):
        """Empty the database, this stack's cache entries and queue, and the receiver."""
        self.wait_until_workers_idle()
        self.database.reset()
        if self.config.cache_prefix:
            delete_redis_keys(self.config.cache_url, f"{self.config.cache_prefix}:*")
        if self.uses_redis_broker:
            delete_redis_keys(self.config.broker_url, self.config.queue)
        self.receiver.clear()

    def redis_queue_length(self):
        """How many task messages wait in this stack's Redis queue."""
        import redis  # pylint: disable=import-outside-toplevel

        return redis.Redis.from_url(self.config.broker_url).llen(self.config.queue)


def unfinished_tasks(worker_log):
    """Ids of the tasks a Celery worker's log shows received but not yet finished."""
    received = set(re.findall(r"\[([0-9a-f-]{36})\] received", worker_log))
    finished = set(re.findall(r"\[([0-9a-f-]{36})\] (?:succeeded|raised|failed|retry)", worker_log))
    return received - finished


def delete_redis_keys(url, pattern):
    """Delete the keys matching ``pattern`` in the Redis database at ``url``."""
    import redis  # pylint: disable=import-outside-toplevel

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=pattern, count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


class AdminSession(requests.Session):
    """A browser-less client of the host: logs in through /admin/login/, then clicks the banner's buttons."""

    def __init__(self, base_url):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def url(self, path):
        """Absolute URL of ``path`` on the host."""
        return self.base_url + path

    def login(self, username, password=PASSWORD):
        """Log in through the admin login form, as a person does."""
        self.get(self.url("/admin/login/"), timeout=10).raise_for_status()
        response = self.post(
            self.url("/admin/login/?next=/admin/"),
            data={"username": username, "password": password, "next": "/admin/",
                  "csrfmiddlewaretoken": self.cookies["csrftoken"]},
            timeout=10,
        )
        response.raise_for_status()
        assert response.url == self.url("/admin/"), f"login as {username} failed: ended on {response.url}"
        return self

    def admin_page(self, path="/admin/"):
        """The HTML of an admin page."""
        response = self.get(self.url(path), timeout=10)
        response.raise_for_status()
        return response.text

    def press(self, action, json=False, next_path="/admin/", timeout=30):
        """
        POST the banner's ``send`` or ``dismiss`` form (CSRF token included) as the browser would.

        ``json=True`` asks for the JSON answer the banner's script uses instead of a redirect.
        """
        headers = {"X-CSRFToken": self.cookies["csrftoken"]}
        if json:
            headers["Accept"] = "application/json"
        return self.post(
            self.url(f"/survey-report-banner/{action}/"),
            data={"next": next_path, "csrfmiddlewaretoken": self.cookies["csrftoken"]},
            headers=headers, timeout=timeout,
        )


def messages_in(html):
    """The texts of Django admin's messages on a page."""
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r'<li class="[^"]*">(.*?)</li>', html, re.S)]


class SilentServer:
    """
    A TCP server on loopback that accepts every connection and never sends a byte: a broker that
    hangs. Proves that *Send report* gives up on the read timeout, not only on refused connections.
    """

    def __init__(self):
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._accepted = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)

    @property
    def port(self):
        """The port it listens on."""
        return self._socket.getsockname()[1]

    @property
    def connections(self):
        """How many connections it accepted."""
        return len(self._accepted)

    def __enter__(self):
        self._socket.settimeout(0.2)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopped.set()
        self._thread.join(timeout=5)
        for conn in self._accepted:
            conn.close()
        self._socket.close()

    def _accept(self):
        while not self._stopped.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._accepted.append(conn)  # Held open, never read from or written to.


def wait_until(condition, timeout, interval=0.1, message="condition"):
    """Poll ``condition()`` until it is truthy; return its value, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} did not happen within {timeout}s")
        time.sleep(interval)

"""
Start the host project as real processes: a web server and a Celery worker, each in its own
process group, configured only through ``SRB_*`` environment variables (see ``host.settings``).

Shared by the integration tests (``tests/integration``) and ``make demo`` (``scripts/demo.py``),
so both run the same commands a developer would type. Only the standard library is used here.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
TESTS_DIR = REPO_DIR / "tests"

LOOPBACK = "127.0.0.1"
REDIS_URL = os.environ.get("SRB_REDIS_URL", "redis://127.0.0.1:6379")
AMQP_URL = os.environ.get("SRB_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


@dataclass
class HostConfig:
    """
    Which services one run of the host uses. :meth:`env` turns it into ``SRB_*`` variables.

    ``cache_prefix`` set means a shared Redis cache under that key prefix (web processes and
    workers must share banner decisions, as memcached/Redis do in the LMS); None means locmem.
    """

    db: str = "sqlite"
    sqlite_path: str | None = None
    mysql_name: str | None = None
    cache_prefix: str | None = None
    cache_url: str = f"{REDIS_URL}/14"
    broker_url: str = "memory://"
    queue: str = "celery"
    report_endpoint: str | None = None
    # ANONYMOUS_SURVEY_REPORT, and the send deadline (None: the app's default).
    anonymous: bool = True
    send_timeout: float | None = None

    def env(self, base=None):
        """The environment of a child process running the host with this configuration."""
        env = dict(os.environ if base is None else base)
        paths = [str(REPO_DIR), str(TESTS_DIR)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env.update({
            "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
            "DJANGO_SETTINGS_MODULE": "host.settings",
            "PYTHONUNBUFFERED": "1",
            "SRB_DB": self.db,
            "SRB_CACHE": "redis" if self.cache_prefix else "locmem",
            "SRB_CACHE_URL": self.cache_url,
            "SRB_CACHE_PREFIX": self.cache_prefix or "srb",
            "SRB_BROKER_URL": self.broker_url,
            "SRB_CELERY_QUEUE": self.queue,
            "SRB_BROKER_HEARTBEAT": "0",
            "SRB_CELERY_EAGER": "",
            "SRB_DEBUG": "",
            "SRB_ANONYMOUS": "1" if self.anonymous else "0",
        })
        if self.send_timeout is not None:
            env["SRB_SEND_TIMEOUT"] = f"{self.send_timeout:g}"
        if self.sqlite_path:
            env["SRB_SQLITE_PATH"] = str(self.sqlite_path)
        if self.mysql_name:
            env["SRB_MYSQL_NAME"] = self.mysql_name
        if self.report_endpoint:
            env["SRB_REPORT_ENDPOINT"] = self.report_endpoint
        return env


def unique_name(prefix):
    """A name no other run shares (queues, cache prefixes, databases): ``prefix`` + 10 hex digits."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def free_port():
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def http_ok(url, timeout=1.0):
    """Whether ``url`` answers 2xx/3xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback URLs only)
            return response.status < 400
    except (OSError, urllib.error.URLError):
        return False


def manage(config, *args, timeout=300):
    """Run ``django-admin <args>`` for the host configured by ``config``; raise on failure."""
    result = subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=config.env(), cwd=REPO_DIR, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if result.returncode:
        raise RuntimeError(
            f"django-admin {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


class ChildProcess:
    """
    A long-running child in its own process group, its output in ``log_path``.

    Its own process group keeps a Ctrl-C in the demo's terminal from reaching it directly, so the
    parent stops children in order; :meth:`stop` sends SIGTERM to the group, then SIGKILL.
    """

    def __init__(self, name, argv, env, log_path):
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log_path = Path(log_path)
        self.popen = None
        self.url = None
        self.ready = lambda: True
        self.ready_what = "ready"
        self._log = None

    def start(self):
        """Start the process; return self."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            self.argv, env=self.env, cwd=REPO_DIR, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    @property
    def running(self):
        """Whether the process was started and has not exited."""
        return self.popen is not None and self.popen.poll() is None

    def log_text(self):
        """Everything the process printed so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=40):
        """The last ``lines`` lines of the process's output, for error messages."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_until(self, ready, timeout, what):
        """Poll ``ready()`` until true; fail early, with the log, if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            if ready():
                return self
            if self.popen.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.popen.returncode}) before {what}. "
                    f"Its output ({self.log_path}):\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} was not {what} after {timeout}s. Its output:\n{self.log_tail()}")
            time.sleep(0.05)

    def wait_ready(self, timeout=60):
        """Wait until the process is ready to serve (see ``ready``); return self."""
        return self.wait_until(self.ready, timeout, self.ready_what)

    def stop(self, timeout=10):
        """Stop the whole process group: SIGTERM, then SIGKILL after ``timeout`` seconds."""
        if self.popen is not None and self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.popen.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def _signal_group(self, signum):
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


class WebServer(ChildProcess):
    """
    Django's runserver on loopback. When its port was picked by :func:`free_port`, another run (a
    second engineer's integration tier, say) may bind it between the pick and runserver's bind:
    then it starts again on a new free port instead of failing the run.
    """

    PORT_TAKEN = "That port is already in use"

    def __init__(self, name, config, log_dir, port, checks):
        self.port_picked = port is None
        self.checks = checks
        super().__init__(name, [], config.env(), Path(log_dir) / f"{name}.log")
        self.ready_what = "answering /health"
        self._listen_on(port or free_port())

    def _listen_on(self, port):
        self.argv = [sys.executable, "-m", "django", "runserver", f"{LOOPBACK}:{port}", "--noreload", "--insecure"]
        if not self.checks:
            self.argv.append("--skip-checks")
        self.url = f"http://{LOOPBACK}:{port}"
        self.ready = lambda: http_ok(self.url + "/health")

    def wait_ready(self, timeout=60):
        """Wait until ``/health`` answers; on a port taken since it was picked, retry on another."""
        attempts_left = 3
        while True:
            try:
                return super().wait_ready(timeout)
            except RuntimeError:
                attempts_left -= 1
                if not self.port_picked or not attempts_left or self.PORT_TAKEN not in self.log_text():
                    raise
                self.stop()
                self._listen_on(free_port())
                self.start()


def start_web_server(config, log_dir, port=None, name="web", checks=False, timeout=60, wait=True):
    """
    Serve the host on ``http://127.0.0.1:<port>``; with ``wait``, return once ``/health`` answers.

    It is Django's threaded ``runserver`` without autoreload. ``--insecure`` serves static files
    whatever ``DEBUG`` is (no collectstatic, no extra dependency), which is all a test or demo needs.
    Without ``port``, a free one is picked (see :class:`WebServer`).
    """
    process = WebServer(name, config, log_dir, port, checks)
    process.start()
    return process.wait_ready(timeout) if wait else process


def start_worker(config, log_dir, name="worker", timeout=60, wait=True, pool="prefork"):
    """
    Run a real Celery worker (not eager) on ``config.queue``; with ``wait``, return once ready.

    The prefork pool with one child, as the LMS's workers run (Tutor's ``lms-worker``): it is the
    pool that enforces the tasks' soft and hard time limits (the solo pool ignores both). Gossip,
    mingle and heartbeats are off: they only talk to other workers, and cost start-up time.
    """
    argv = [
        sys.executable, "-m", "celery", "-A", "host.celery:APP", "worker",
        f"--pool={pool}", "--concurrency=1", "--loglevel=INFO", "-Q", config.queue,
        "-n", f"{unique_name(name + '-')}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]
    process = ChildProcess(name, argv, config.env(), Path(log_dir) / f"{name}.log")
    process.ready = lambda: " ready." in process.log_text()
    process.ready_what = "ready"
    process.start()
    return process.wait_ready(timeout) if wait else process

#!/usr/bin/env python
"""
``make demo``: the banner on a running host, with a real Celery worker and a report receiver.

Starts, on loopback only:

* the host project (``tests/host``, shaped like the LMS) on http://127.0.0.1:8000, with a SQLite
  database under ``.demo/``, migrated, and three users (two superusers, one staff-only user);
* a real Celery worker, with Redis as broker (and as the cache the web server and worker share);
* a survey report receiver on http://127.0.0.1:8001 that lists the reports the worker sends.

Ctrl-C stops them all. Environment: ``SRB_DEMO_PORT`` (8000), ``SRB_DEMO_RECEIVER_PORT`` (8001),
``SRB_DEMO_REDIS_URL`` (redis://127.0.0.1:6379/12), ``SRB_DEMO_RESET=1`` to start from an empty
database.

``python scripts/demo.py manage <command> [args]`` runs a Django management command against the
demo's database and cache, e.g. ``waffle_switch survey_report_banner.disable_banner on --create``.
While the demo runs, it uses the running demo's Redis database (recorded in ``.demo/running.json``),
whatever ``SRB_DEMO_*`` variables the terminal it is typed in has, so cached banner decisions are
invalidated where the web server reads them.
"""

import json
import os
import secrets
import signal
import socket
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_DIR / "tests"))

from host.processes import LOOPBACK, HostConfig, manage, start_web_server, start_worker  # noqa: E402
from host.receiver import ReportReceiver  # noqa: E402
from host.services import redis_problem  # noqa: E402

DEMO_DIR = REPO_DIR / ".demo"
LOG_DIR = DEMO_DIR / "logs"
DATABASE = DEMO_DIR / "db.sqlite3"
PASSWORD_FILE = DEMO_DIR / "password"
RUN_FILE = DEMO_DIR / "running.json"
PORT = int(os.environ.get("SRB_DEMO_PORT", "8000"))
RECEIVER_PORT = int(os.environ.get("SRB_DEMO_RECEIVER_PORT", "8001"))
REDIS = os.environ.get("SRB_DEMO_REDIS_URL", "redis://127.0.0.1:6379/12")
CACHE_PREFIX = "srb-demo"
QUEUE = "srb-demo"
SWITCH = "survey_report_banner.disable_banner"
USERS = [
    # username, is_superuser, what the user shows
    ("admin", True, "superuser: sees the banner"),
    ("admin2", True, "another superuser: sees it too, until a report is sent"),
    ("staff", False, "staff, not superuser: never sees it"),
]


def config(endpoint=None, redis_url=REDIS):
    """The demo host's services, as ``SRB_*`` variables (see tests/host/settings.py)."""
    return HostConfig(
        db="sqlite", sqlite_path=str(DATABASE), cache_prefix=CACHE_PREFIX, cache_url=redis_url,
        broker_url=redis_url, queue=QUEUE,
        report_endpoint=endpoint or f"http://{LOOPBACK}:{RECEIVER_PORT}/survey_report/",
    )


def manage_config():
    """
    The services a ``manage`` command must use: the running demo's, else this shell's variables.

    A command typed in another terminal (without the ``SRB_DEMO_*`` variables the demo was started
    with) would otherwise write to another Redis database: the switch row lands in the shared
    SQLite file, but the web server keeps its cached banner decisions until they expire.
    """
    running = running_demo()
    if running is None:
        return config()
    if running["redis_url"] != REDIS and "SRB_DEMO_REDIS_URL" in os.environ:
        print(f"Using the running demo's Redis, {running['redis_url']} (not SRB_DEMO_REDIS_URL={REDIS}).",
              file=sys.stderr)
    return config(running["endpoint"], redis_url=running["redis_url"])


def running_demo():
    """What the running demo recorded in .demo/running.json, or None when no demo runs."""
    try:
        running = json.loads(RUN_FILE.read_text(encoding="utf-8"))
        os.kill(int(running["pid"]), 0)  # Still alive (a demo killed with SIGKILL leaves the file).
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return running


def main(argv):
    """Run the demo, or ``manage ...`` against it."""
    if argv[:1] == ["manage"]:
        env = manage_config().env()
        os.execvpe(sys.executable, [sys.executable, "-m", "django", *argv[1:]], env)
    if argv:
        print(__doc__)
        return 2
    return run()


def run():
    """Prepare the database and users, start everything, wait for Ctrl-C, stop everything."""
    problem = redis_problem(REDIS)
    if problem:
        print(f"The demo needs Redis: {problem}.\nStart it with: ./scripts/ensure-services.sh redis", file=sys.stderr)
        return 1
    for port, variable in ((PORT, "SRB_DEMO_PORT"), (RECEIVER_PORT, "SRB_DEMO_RECEIVER_PORT")):
        if not port_is_free(port):
            print(f"Port {port} on {LOOPBACK} is in use: stop what uses it, or set {variable}.", file=sys.stderr)
            return 1

    DEMO_DIR.mkdir(exist_ok=True)
    if os.environ.get("SRB_DEMO_RESET") == "1" and DATABASE.exists():
        DATABASE.unlink()
        print("SRB_DEMO_RESET=1: starting from an empty database.")
    clear_demo_cache()
    password = demo_password()
    print(f"Preparing {DATABASE.relative_to(REPO_DIR)} (migrate, users)...")
    manage(config(), "migrate", "--no-input", "-v", "0")
    manage(config(), "shell", "-c", USERS_SCRIPT % {"users": USERS, "password": password})

    children = []
    receiver = ReportReceiver(port=RECEIVER_PORT, on_payload=print_payload).start()
    stopping = []

    def stop(*_):
        stopping.append(True)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print("Starting the Celery worker and the web server...")
        children.append(start_worker(config(receiver.endpoint), LOG_DIR, name="worker"))
        children.append(start_web_server(config(receiver.endpoint), LOG_DIR, port=PORT, name="web", checks=True))
        RUN_FILE.write_text(json.dumps({
            "pid": os.getpid(), "redis_url": REDIS, "endpoint": receiver.endpoint, "url": children[-1].url,
        }), encoding="utf-8")
        print_instructions(children[-1].url, receiver.url, password)
        while not stopping:
            for child in children:
                if not child.running:
                    print(f"\n{child.name} stopped unexpectedly; its log ({child.log_path}):\n{child.log_tail()}")
                    return 1
            time.sleep(0.5)
        print("\nStopping the web server, the worker and the receiver...")
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"Could not start the demo: {exc}", file=sys.stderr)
        return 1
    finally:
        RUN_FILE.unlink(missing_ok=True)
        for child in reversed(children):
            child.stop()
        receiver.stop()
        print("Demo stopped.")


USERS_SCRIPT = """
from django.contrib.auth import get_user_model
User = get_user_model()
for username, superuser, _ in %(users)r:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": username + "@example.com"})
    user.is_active = user.is_staff = True
    user.is_superuser = superuser
    user.set_password(%(password)r)
    user.save()
"""


def demo_password():
    """A random password made on the first run and kept in .demo/password."""
    if not PASSWORD_FILE.exists():
        PASSWORD_FILE.write_text(secrets.token_urlsafe(9) + "\n", encoding="utf-8")
        PASSWORD_FILE.chmod(0o600)
    return PASSWORD_FILE.read_text(encoding="utf-8").strip()


def clear_demo_cache():
    """Forget cached banner decisions of an earlier run (its database may have been reset)."""
    import redis  # pylint: disable=import-outside-toplevel

    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(match=f"{CACHE_PREFIX}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def port_is_free(port):
    """
    Whether nothing listens on ``port`` on loopback.

    SO_REUSEADDR, as the servers themselves bind (``http.server``, Django's runserver): connections
    of the previous run left in TIME-WAIT must not make a restart right after Ctrl-C refuse to start.
    Linux still refuses the bind while another socket listens there, which is what we test.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def print_payload(payload):
    """Show a received report on the console."""
    stamp = time.strftime("%H:%M:%S")
    print(f"\n[receiver] {stamp} survey report received:\n{json.dumps(payload, indent=2)}", flush=True)


def print_instructions(url, receiver_url, password):
    """Tell the developer where everything is and what to try."""
    python = Path(sys.executable)
    manage_cmd = f"{python.relative_to(REPO_DIR) if python.is_relative_to(REPO_DIR) else python} scripts/demo.py manage"
    users = "\n".join(f"    {name:<7} / {password}   {what}" for name, _, what in USERS)
    print(f"""
Survey report banner demo is running.

  Django admin:     {url}/admin/
{users}
  Report receiver:  {receiver_url}   (every report the worker sends, also printed below)
  Logs:             {LOG_DIR.relative_to(REPO_DIR)}/web.log, {LOG_DIR.relative_to(REPO_DIR)}/worker.log

Log in as admin: the banner invites you to send the report. Dismiss hides it for you for
SURVEY_REPORT_CHECK_THRESHOLD (6) months; Send report queues the task: the worker generates the
report and POSTs it to the receiver, and the banner is gone for every superuser.

Kill switch (operators): in another terminal, from {REPO_DIR}:
  {manage_cmd} waffle_switch {SWITCH} on --create
  {manage_cmd} waffle_switch {SWITCH} off
(In the LMS: ./manage.py lms waffle_switch {SWITCH} on --create.) It applies on the next page.

Start over with the banner showing again: Ctrl-C, then SRB_DEMO_RESET=1 make demo.
Press Ctrl-C to stop.
""", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

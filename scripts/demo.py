#!/usr/bin/env python
"""
``make demo``: the banner on a running host, with a real Celery worker and a report receiver.

Starts, on loopback only:

* the host project (``tests/host``, shaped like the LMS) on http://127.0.0.1:8000, with a SQLite
  database under ``.demo/``, migrated, and three users (two superusers, one staff-only user);
* a real Celery worker, with Redis as broker (and as the cache the web server and worker share);
* a survey report receiver on http://127.0.0.1:8001 that lists the reports the worker sends.

Ctrl-C stops them all. Environment (printed when the demo starts): ``SRB_DEMO_PORT`` (8000),
``SRB_DEMO_RECEIVER_PORT`` (8001), ``SRB_DEMO_REDIS_URL`` (redis://127.0.0.1:6379/12),
``SRB_DEMO_RESET=1`` to start from an empty database, ``SRB_DEMO_RECEIVER`` (``ok``; ``fail``
answers 503 to every report, ``silent`` never answers) to see a failing endpoint, and
``SRB_DEMO_ANONYMOUS=0`` for reports that name the site (``ANONYMOUS_SURVEY_REPORT = False``).

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
# A silent endpoint is cut at SURVEY_REPORT_BANNER_SEND_TIMEOUT: 300 s by default, too long to watch.
SILENT_SEND_TIMEOUT = 15
# What the receiver does with each report (SRB_DEMO_RECEIVER), and what the demo shows then.
RECEIVER_MODES = {
    "ok": "answers 200: reports are delivered",
    "fail": "answers 503 to every report: the banner, the report list and survey_report_status show the failure",
    "silent": f"takes each report and never answers: each send is cut after {SILENT_SEND_TIMEOUT} s",
}
RECEIVER_MODE = os.environ.get("SRB_DEMO_RECEIVER", "ok")
ANONYMOUS = os.environ.get("SRB_DEMO_ANONYMOUS", "1") != "0"
USERS = [
    # username, is_superuser, what the user shows
    ("admin", True, "superuser: sees the banner"),
    ("admin2", True, "another superuser: sees it too, until a report is sent"),
    ("staff", False, "staff, not superuser: never sees it"),
]


def config(endpoint=None, redis_url=REDIS, anonymous=ANONYMOUS, mode=RECEIVER_MODE):
    """The demo host's services and settings, as ``SRB_*`` variables (see tests/host/settings.py)."""
    return HostConfig(
        db="sqlite", sqlite_path=str(DATABASE), cache_prefix=CACHE_PREFIX, cache_url=redis_url,
        broker_url=redis_url, queue=QUEUE,
        report_endpoint=endpoint or f"http://{LOOPBACK}:{RECEIVER_PORT}/survey_report/",
        anonymous=anonymous, send_timeout=SILENT_SEND_TIMEOUT if mode == "silent" else None,
    )


def make_receiver(mode=RECEIVER_MODE, port=RECEIVER_PORT, on_payload=None):
    """The report receiver for ``mode`` (see RECEIVER_MODES), not started yet."""
    receiver = ReportReceiver(port=port, on_payload=on_payload, status=503 if mode == "fail" else 200)
    if mode == "silent":
        receiver.pause()  # It records each POST, then keeps it waiting (its own limit: a minute).
    return receiver


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
    return config(
        running["endpoint"], redis_url=running["redis_url"], anonymous=running.get("anonymous", ANONYMOUS),
        mode=running.get("receiver", RECEIVER_MODE),
    )


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
    if RECEIVER_MODE not in RECEIVER_MODES:
        print(f"SRB_DEMO_RECEIVER={RECEIVER_MODE!r}: use one of {', '.join(RECEIVER_MODES)}.", file=sys.stderr)
        return 2
    print_options()
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
    receiver = make_receiver(on_payload=print_payload).start()
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
            "anonymous": ANONYMOUS, "receiver": RECEIVER_MODE,
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
    """Show a received report on the console, and what the receiver answers."""
    stamp = time.strftime("%H:%M:%S")
    answer = {"ok": "answered 200", "fail": "answered 503", "silent": "not answered"}[RECEIVER_MODE]
    print(f"\n[receiver] {stamp} survey report received, {answer}:\n{json.dumps(payload, indent=2)}", flush=True)


def print_options():
    """The demo's variables, with the values in force, so a newcomer sees every state is one variable away."""
    modes = "\n".join(f"      {name:<7}{what}" for name, what in RECEIVER_MODES.items())
    print(f"""Options (environment variables of make demo):
  SRB_DEMO_RECEIVER={RECEIVER_MODE}   what the report receiver does:
{modes}
  SRB_DEMO_ANONYMOUS={int(ANONYMOUS)}   0: reports name the site (ANONYMOUS_SURVEY_REPORT = False), 1: a random ID
  SRB_DEMO_RESET=1       start from an empty database (the banner shows again)
  SRB_DEMO_PORT={PORT}, SRB_DEMO_RECEIVER_PORT={RECEIVER_PORT}, SRB_DEMO_REDIS_URL={REDIS}
Spanish: set the browser's language to Spanish, or run document.cookie = "django_language=es; path=/"
in its console on an admin page and reload.
""", flush=True)


def print_instructions(url, receiver_url, password):
    """Tell the developer where everything is and what to try."""
    python = Path(sys.executable)
    manage_cmd = f"{python.relative_to(REPO_DIR) if python.is_relative_to(REPO_DIR) else python} scripts/demo.py manage"
    users = "\n".join(f"    {name:<7} / {password}   {what}" for name, _, what in USERS)
    mode_note = "" if RECEIVER_MODE == "ok" else (
        f"\nNot here: SRB_DEMO_RECEIVER={RECEIVER_MODE}, the receiver {RECEIVER_MODES[RECEIVER_MODE]}.\n"
        "After three attempts within an hour the next one waits; survey_report_status says until when."
    )
    print(f"""
Survey report banner demo is running.

  Django admin:     {url}/admin/
{users}
  Report receiver:  {receiver_url}   (every report the worker sends, also printed below)
  Logs:             {LOG_DIR.relative_to(REPO_DIR)}/web.log, {LOG_DIR.relative_to(REPO_DIR)}/worker.log

Log in as admin: the banner invites you to send the report. Dismiss hides it for you for
SURVEY_REPORT_CHECK_THRESHOLD (6) months; Send report queues the task: the worker generates the
report and POSTs it to the receiver, and the banner is gone for every superuser.{mode_note}

Kill switch (operators): in another terminal, from {REPO_DIR}:
  {manage_cmd} waffle_switch {SWITCH} on --create
  {manage_cmd} waffle_switch {SWITCH} off
(In the LMS: ./manage.py lms waffle_switch {SWITCH} on --create.) It applies on the next page.

What the site knows about its reports, as an operator reads it (sends nothing):
  {manage_cmd} survey_report_status          (add --json for monitoring)

Start over with the banner showing again: Ctrl-C, then SRB_DEMO_RESET=1 make demo.
Press Ctrl-C to stop.
""", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

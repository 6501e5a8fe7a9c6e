#!/usr/bin/env python
"""
``make bench``: what survey-report-banner costs a busy LMS, with the app versus without it.

Two long-lived worker processes serve the same host project on their own fresh database:

* **with**: ``host.settings``, the LMS with this plugin installed (its context processor, loader
  and URLs; Redwood's own banner processor removed by ``plugin_settings``);
* **without**: ``host.settings_without_app``, the LMS as it is: no plugin, Redwood's own banner
  processor active (it queries the report table on every admin page).

This controller interleaves them (with, without, without, with, ...) in small batches so the
machine's noise lands on both sides, then prints one RST table. Server time is the time of the
Django test client's request through the whole middleware and template stack (no network).

Environment: ``SRB_DB=mysql`` benchmarks on MariaDB/MySQL at 127.0.0.1:3306 (databases
``srb_bench_with`` and ``srb_bench_without``, dropped at the end); SQLite files in a temporary
directory otherwise. ``SRB_CACHE=redis`` uses Redis as Django's cache (locmem otherwise).
``SRB_BENCH_ROUNDS`` (default 10) rounds of ``SRB_BENCH_BATCH`` (default 10) requests per case.
"""

import gzip
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = (10, 100_000)
ROUNDS = int(os.environ.get("SRB_BENCH_ROUNDS", "10"))
BATCH = int(os.environ.get("SRB_BENCH_BATCH", "10"))
ACTION_SAMPLES = int(os.environ.get("SRB_BENCH_ACTION_SAMPLES", "30"))
REDIS_BROKER = "redis://127.0.0.1:6379/15"
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"

# name, client role, path, cold (empty the banner's cached decisions before each request)
PAGE_CASES = [
    ("anonymous, admin login page", "anonymous", "/admin/login/", False),
    ("staff (not superuser), admin index", "staff", "/admin/", False),
    ("superuser, admin index, cold", "superuser", "/admin/", True),
    ("superuser, admin index, warm", "superuser", "/admin/", False),
    ("superuser, non-admin page", "superuser", "/dashboard", False),
]


# ------------------------------------------------------------------------------------------------
# Worker: one Django host in its own process, answering JSON commands on stdin/stdout.
# ------------------------------------------------------------------------------------------------

def worker_main(variant):
    """Serve commands for one host (``with`` or ``without``) until stdin closes."""
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the protocol
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]
    import logging  # pylint: disable=import-outside-toplevel

    import django  # pylint: disable=import-outside-toplevel

    django.setup()
    logging.disable(logging.CRITICAL)  # the broker-down case logs a traceback per request
    host = WorkerHost(variant)
    for line in sys.stdin:
        command = json.loads(line)
        try:
            result = getattr(host, command.pop("cmd"))(**command)
        except Exception as exc:  # pylint: disable=broad-except
            import traceback  # pylint: disable=import-outside-toplevel
            result = {"error": f"{exc!r}", "traceback": traceback.format_exc()}
        protocol.write(json.dumps(result) + "\n")
    host.teardown()


class WorkerHost:
    """The database, users and clients of one host, and the measurements it can run."""

    def __init__(self, variant):
        """Create (MariaDB) or migrate (SQLite) a fresh database; log in the clients."""
        # pylint: disable=import-outside-toplevel
        from django.conf import settings
        from django.db import connection

        self.variant = variant
        self.with_app = variant == "with"
        self.mysql = connection.vendor == "mysql"
        if self.mysql:
            # A fresh database (dropped first if a previous run left it), migrated from scratch.
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        else:
            from django.core.management import call_command
            call_command("migrate", verbosity=0, interactive=False)
        self.settings = settings
        self.rows = 0
        self.clients = self._make_clients()

    # -- data ------------------------------------------------------------------------------------

    def _make_clients(self):
        # pylint: disable=import-outside-toplevel
        from django.contrib.auth import get_user_model
        from django.test import Client

        User = get_user_model()  # pylint: disable=invalid-name
        staff = User.objects.create_user("bench_staff", password="pw", is_staff=True)
        superuser = User.objects.create_user("bench_admin", password="pw", is_staff=True, is_superuser=True)
        clients = {"anonymous": Client()}
        for role, user in (("staff", staff), ("superuser", superuser)):
            clients[role] = Client()
            clients[role].force_login(user)
        self.superuser = superuser
        return clients

    def seed(self, rows):
        """Grow the report table to ``rows`` rows (and, with the app, give 1,000 other superusers a dismissal)."""
        # pylint: disable=import-outside-toplevel
        from django.contrib.auth import get_user_model
        from openedx.features.survey_report.models import SurveyReport

        User = get_user_model()  # pylint: disable=invalid-name
        old = datetime.now(dt_timezone.utc) - timedelta(days=400)  # older than the threshold
        add = rows - self.rows
        start = time.perf_counter()
        # Sent long ago: both banners (ours and Redwood's) are due, so both render.
        SurveyReport.objects.bulk_create(
            [SurveyReport(state="generated") for _ in range(add)], batch_size=5000
        )
        SurveyReport.objects.filter(created_at__gt=old).update(created_at=old)
        if self.with_app:
            from survey_report_banner.models import SurveyReportBannerDismissal
            others = list(User.objects.filter(username__startswith="bench_other_"))
            if not others:
                User.objects.bulk_create(
                    [User(username=f"bench_other_{i}", password="!", is_staff=True, is_superuser=True)
                     for i in range(1000)]
                )
                others = list(User.objects.filter(username__startswith="bench_other_"))
            # One dismissal per user (the table's rule): the 1,000 other superusers each dismissed once.
            if not SurveyReportBannerDismissal.objects.filter(user__in=others).exists():
                SurveyReportBannerDismissal.objects.bulk_create(
                    [SurveyReportBannerDismissal(user=user, dismissed_at=old + timedelta(minutes=i))
                     for i, user in enumerate(others)],
                    batch_size=5000,
                )
        self.rows = rows
        self._analyze()
        return {"seconds": time.perf_counter() - start, "reports": SurveyReport.objects.count()}

    def _analyze(self):
        from django.db import connection  # pylint: disable=import-outside-toplevel
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if not self.mysql else "ANALYZE TABLE survey_report_surveyreport")
            if self.mysql:
                cursor.fetchall()

    def teardown(self):
        """Drop the MariaDB database (SQLite files go with the temporary directory)."""
        from django.db import connection  # pylint: disable=import-outside-toplevel
        if self.mysql:
            connection.creation.destroy_test_db(self.settings.DATABASES["default"]["NAME"], verbosity=0)

    # -- measurements ----------------------------------------------------------------------------

    def _cold(self):
        if self.with_app:
            from survey_report_banner import caching  # pylint: disable=import-outside-toplevel
            caching.invalidate()

    def page(self, role, path, cold, n):
        """Time ``n`` GETs; count the queries of one more (untimed)."""
        # pylint: disable=import-outside-toplevel
        import gc

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.clients[role]
        samples = []
        gc.collect()
        gc.disable()
        try:
            for _ in range(n):
                if cold:
                    self._cold()
                start = time.perf_counter_ns()
                response = client.get(path)
                samples.append(time.perf_counter_ns() - start)
                assert response.status_code == 200, (path, response.status_code)
        finally:
            gc.enable()
        if cold:
            self._cold()
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        return {"samples": samples, "queries": len(ctx.captured_queries)}

    def action(self, which, n, broker=None):
        """Time ``n`` POSTs to Send report or Dismiss; reset the state between them (untimed)."""
        # pylint: disable=import-outside-toplevel
        import gc

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from host.celery import APP
        from survey_report_banner.models import (
            SurveyReportAttempt,
            SurveyReportBannerDismissal,
            SurveyReportRequest,
        )

        previous = APP.conf.broker_url
        APP.conf.broker_url = broker or previous
        url = {"send": "/survey-report-banner/send/", "dismiss": "/survey-report-banner/dismiss/"}[which]
        client = self.clients["superuser"]
        samples, statuses, queries = [], set(), None
        for i in range(n):
            # Each POST is a first click: no claim held, no attempt within the hour, no dismissal.
            SurveyReportRequest.objects.filter(pk=1).update(requested_at=None, busy_until=None)
            SurveyReportAttempt.objects.all().delete()
            SurveyReportBannerDismissal.objects.filter(user=self.superuser).delete()
            gc.collect()
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter_ns()
                response = client.post(url, HTTP_ACCEPT="application/json")
                samples.append(time.perf_counter_ns() - start)
            statuses.add(response.status_code)
            if i == 0:
                queries = len(ctx.captured_queries)
        if response.status_code == 200:
            self._purge_broker()  # only a broker that answered has messages to drop
        APP.conf.broker_url = previous
        return {"samples": samples, "queries": queries, "statuses": sorted(statuses)}

    def broker_hung(self, n):
        """Send report against a broker that accepts the connection and never answers."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        accepted = []
        stop = threading.Event()

        def accept():
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    accepted.append(listener.accept()[0])  # hold it open, say nothing
                except OSError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            return self.action("send", n, broker=f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
        finally:
            stop.set()
            thread.join()
            for conn in accepted:
                conn.close()
            listener.close()

    def _purge_broker(self):
        from host.celery import APP  # pylint: disable=import-outside-toplevel
        try:
            with APP.connection_for_write(connect_timeout=1) as conn:
                conn.SimpleQueue(APP.conf.task_default_queue).clear()
        except Exception:  # pylint: disable=broad-except
            pass  # a broker that is down has nothing to purge

    def weight(self):
        """Bytes the banner adds to a superuser's admin page, and any absolute URL it carries."""
        # pylint: disable=import-outside-toplevel
        from django.contrib.staticfiles import finders

        html = self.clients["superuser"].get("/admin/").content.decode()
        assert 'id="survey-report-banner"' in html, "the superuser should see the banner here"
        section = re.search(r'<section id="survey-report-banner".*?</section>', html, re.S)
        tags = re.findall(r'<(?:link|script)[^>]*survey_report_banner/banner\.(?:css|js)[^>]*>(?:</script>)?', html)
        markup = (section.group(0) if section else "") + "".join(tags)
        assets = {name: Path(finders.find(f"survey_report_banner/banner.{name}")).read_bytes()
                  for name in ("css", "js")}
        external = re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", markup + "".join(a.decode() for a in assets.values()))
        return {
            "html": len(markup.encode()),
            "html_gz": len(gzip.compress(markup.encode())),
            "css": len(assets["css"]), "css_gz": len(gzip.compress(assets["css"])),
            "js": len(assets["js"]), "js_gz": len(gzip.compress(assets["js"])),
            "external": external,
            "shown": bool(section),
        }

    def info(self):
        """Database, Django and cache versions for the header line."""
        # pylint: disable=import-outside-toplevel
        import django
        from django.db import connection

        with connection.cursor() as cursor:
            if self.mysql:
                cursor.execute("SELECT VERSION()")
                db = f"MariaDB/MySQL {cursor.fetchone()[0]} (127.0.0.1:3306)"
            else:
                import sqlite3
                db = f"SQLite {sqlite3.sqlite_version} (file in a temporary directory)"
        cache = self.settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        return {"db": db, "django": django.get_version(), "cache": cache}


# ------------------------------------------------------------------------------------------------
# Controller
# ------------------------------------------------------------------------------------------------

class Worker:
    """A worker process and its JSON pipe."""

    def __init__(self, variant, tmp, broker):
        """Start the worker for ``variant`` with its own database and cache prefix."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests"), str(ROOT), env.get("PYTHONPATH", "")])
        env["DJANGO_SETTINGS_MODULE"] = "host.settings" if variant == "with" else "host.settings_without_app"
        env["SRB_SQLITE_PATH"] = str(Path(tmp) / f"bench_{variant}.sqlite3")
        env["SRB_MYSQL_TEST_NAME"] = f"srb_bench_{variant}"
        env["SRB_BROKER_URL"] = broker
        env["SRB_CACHE_PREFIX"] = f"srb_bench_{variant}"
        env.pop("SRB_CELERY_EAGER", None)
        self.variant = variant
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, __file__, "--worker", variant], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )

    def send(self, cmd, **kwargs):
        """Send a command without waiting for its answer."""
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")

    def receive(self):
        """Read one answer; stop the bench if the worker failed."""
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench worker '{self.variant}' died (see its output above)")
        result = json.loads(line)
        if isinstance(result, dict) and "error" in result:
            raise SystemExit(f"bench worker '{self.variant}' failed: {result['traceback']}")
        return result

    def call(self, cmd, **kwargs):
        """Send a command and wait for its answer."""
        self.send(cmd, **kwargs)
        return self.receive()

    def close(self):
        """Let the worker tear down and exit."""
        self.proc.stdin.close()
        self.proc.wait(timeout=120)


def reachable(host, port):
    """Whether something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def ms(values, q):
    """The median (q=50) or 95th percentile (q=95) of nanosecond samples, in milliseconds."""
    values = sorted(values)
    if q == 50:
        return statistics.median(values) / 1e6
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))] / 1e6


def fmt_ms(value):
    """Milliseconds for the table."""
    return "—" if value is None else (f"{value:.2f}" if value < 100 else f"{value:.0f}")


def ratio(a, b):
    """The with / without ratio, for the table."""
    return "—" if a is None or b is None else f"{a / b:.2f}"


def main():
    """Start both hosts, measure, print the table."""
    started = time.monotonic()
    broker_up = reachable("127.0.0.1", 6379)
    broker = REDIS_BROKER if broker_up else "memory://"
    if os.environ.get("SRB_DB") == "mysql" and not reachable("127.0.0.1", 3306):
        raise SystemExit("SRB_DB=mysql but nothing listens on 127.0.0.1:3306 (./scripts/ensure-services.sh mysql)")
    with tempfile.TemporaryDirectory(prefix="srb-bench-") as tmp:
        workers = {variant: Worker(variant, tmp, broker) for variant in ("with", "without")}
        try:
            rows_out = run(workers, broker)
            info = workers["with"].call("info")
        finally:
            for worker in workers.values():
                worker.close()
    print_table(info, broker, broker_up, rows_out, time.monotonic() - started)


def run(workers, broker):
    """All measurements; returns the table's rows."""
    table = []
    both = list(workers.values())
    weight = None
    for rows in ROWS:
        for worker in both:
            worker.send("seed", rows=rows)
        for worker in both:
            worker.receive()
        samples = {(case[0], w.variant): [] for case in PAGE_CASES for w in both}
        queries = {}
        for case in PAGE_CASES:  # warm-up: template loading, first-request work
            for worker in both:
                worker.call("page", role=case[1], path=case[2], cold=case[3], n=5)
        for round_ in range(ROUNDS):
            order = both if round_ % 2 == 0 else both[::-1]
            for name, role, path, cold in PAGE_CASES:
                for worker in order:
                    result = worker.call("page", role=role, path=path, cold=cold, n=BATCH)
                    samples[(name, worker.variant)].extend(result["samples"])
                    queries[(name, worker.variant)] = result["queries"]
        for name, _, path, _ in PAGE_CASES:
            with_s, without_s = samples[(name, "with")], samples[(name, "without")]
            table.append({
                "case": f"{name} ({path})", "rows": rows,
                "q_with": queries[(name, "with")], "q_without": queries[(name, "without")],
                "med": (ms(with_s, 50), ms(without_s, 50)), "p95": (ms(with_s, 95), ms(without_s, 95)),
            })
        if weight is None:  # before Send/Dismiss change what the superuser sees
            weight = workers["with"].call("weight")
        for which in ("send", "dismiss"):
            workers["with"].call("action", which=which, n=2, broker=broker)  # warm-up (broker connection)
            result = workers["with"].call("action", which=which, n=ACTION_SAMPLES, broker=broker)
            label = "Send report" if which == "send" else "Dismiss"
            table.append({
                "case": f"POST {label} (HTTP {'/'.join(map(str, result['statuses']))})",
                "rows": rows, "q_with": result["queries"], "q_without": None,
                "med": (ms(result["samples"], 50), None), "p95": (ms(result["samples"], 95), None),
            })
    down = workers["with"].call("action", which="send", n=5, broker=CLOSED_PORT_BROKER)
    table.append({
        "case": f"POST Send report, broker down: port closed (HTTP {'/'.join(map(str, down['statuses']))})",
        "rows": ROWS[-1], "q_with": down["queries"], "q_without": None,
        "med": (ms(down["samples"], 50), None), "p95": (ms(down["samples"], 95), None),
    })
    hung = workers["with"].call("broker_hung", n=2)
    table.append({
        "case": f"POST Send report, broker down: accepts, never answers (HTTP {'/'.join(map(str, hung['statuses']))})",
        "rows": ROWS[-1], "q_with": hung["queries"], "q_without": None,
        "med": (ms(hung["samples"], 50), None), "p95": (max(hung["samples"]) / 1e6, None),
    })
    return {"table": table, "weight": weight}


def print_table(info, broker, broker_up, out, elapsed):
    """One header line, one RST simple table, a few footnotes."""
    cores = os.cpu_count()
    header = (
        f"survey-report-banner bench, {datetime.now(dt_timezone.utc):%Y-%m-%d %H:%M} UTC | DB: {info['db']} | "
        f"cache: {info['cache']} | Python {platform.python_version()} | Django {info['django']} | "
        f"{platform.system()} {platform.machine()}, {cores} cores ({platform.processor() or 'cpu n/a'}) | "
        f"{ROUNDS}x{BATCH} interleaved requests per case and host"
    )
    columns = ["Case", "Rows", "Queries with / without (added)", "Median ms with / without",
               "Ratio", "p95 ms with / without", "Ratio"]
    body = []
    for row in out["table"]:
        if row["q_without"] is None:
            queries = f"{row['q_with']} / —"
        else:
            queries = f"{row['q_with']} / {row['q_without']} ({row['q_with'] - row['q_without']:+d})"
        body.append([
            row["case"], f"{row['rows']:,}", queries,
            f"{fmt_ms(row['med'][0])} / {fmt_ms(row['med'][1])}", ratio(*row["med"]),
            f"{fmt_ms(row['p95'][0])} / {fmt_ms(row['p95'][1])}", ratio(*row["p95"]),
        ])
    w = out["weight"]
    body.append([
        "Banner page weight, superuser admin page (bytes, gzip)", "—",
        f"HTML {w['html']:,} ({w['html_gz']:,})", f"CSS {w['css']:,} ({w['css_gz']:,})", "—",
        f"JS {w['js']:,} ({w['js_gz']:,})", "—",
    ])
    body.append([
        "External requests made by the banner (absolute URLs in its HTML, CSS, JS)", "—",
        str(len(w["external"])), "—", "—", "—", "—",
    ])
    widths = [max(len(columns[i]), *(len(r[i]) for r in body)) for i in range(len(columns))]
    rule = "  ".join("=" * width for width in widths)
    print(header)
    print()
    print(rule)
    print("  ".join(c.ljust(widths[i]) for i, c in enumerate(columns)).rstrip())
    print(rule)
    for r in body:
        print("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    print(rule)
    print()
    print(f"Without = the same host without the app, i.e. the LMS as it is: Redwood's own banner processor "
          f"active (1 query on every admin page). Against a host with no banner at all, the app adds exactly "
          f"1 query on a cold superuser admin page and 0 elsewhere (pinned by tests/test_performance.py). "
          f"Send/Dismiss exist only with the app. Broker up: "
          f"{broker if broker_up else 'memory:// (no Redis on 127.0.0.1:6379)'}. "
          f"Cold = cached decisions invalidated before each request. Total bench time {elapsed:.0f} s.")
    if w["external"]:
        print("External URLs found in the banner:", ", ".join(w["external"]))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2])
    else:
        main()

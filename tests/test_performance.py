"""
What the banner costs, pinned exactly: SQL queries added per page, cache round trips, index use.

Every count here compares the same request with the banner's context processor active and with
it removed from ``TEMPLATES`` (everything else identical), so Django's own queries (session, user,
admin's recent actions) cancel out. Timings live in ``scripts/bench.py`` (``make bench``); these
tests are exact and never timed.

The invalidation tests each warm the cached decision first, change the world the way production
does, and prove the very next page reflects it (no stale banner).
"""

import copy
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone as dt_timezone
from unittest import mock

import pytest
import time_machine
from celery.signals import task_postrun
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.functional import SimpleLazyObject
from openedx.features.survey_report import api as upstream_api
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SURVEY_REPORT_PROCESSING,
    SurveyReport,
    SurveyReportUpload,
)
from openedx.features.survey_report.tasks import generate_survey_report
from waffle.models import Switch

from survey_report_banner import banner, caching, conf, preview, rendering
from survey_report_banner.context_processors import survey_report_banner as banner_processor
from survey_report_banner.models import SurveyReportAttempt, SurveyReportBannerDismissal
from survey_report_banner.settings.common import CONTEXT_PROCESSOR
from survey_report_banner.toggles import DISABLE_BANNER_SWITCH

import conftest
from conftest import client_for

BANNER = 'id="survey-report-banner"'
SEND = "/survey-report-banner/send/"
DISMISS = "/survey-report-banner/dismiss/"
DISMISSAL_TABLE = SurveyReportBannerDismissal._meta.db_table
REPORT_TABLE = SurveyReport._meta.db_table


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def without_banner_processor():
    """The same host with our context processor removed from every template engine."""
    templates = copy.deepcopy(settings.TEMPLATES)
    for engine in templates:
        options = engine.get("OPTIONS", {})
        if "context_processors" in options:
            options["context_processors"] = [p for p in options["context_processors"] if p != CONTEXT_PROCESSOR]
    return override_settings(TEMPLATES=templates)


def run(client, path, method="get"):
    """Make the request; return (response, captured queries)."""
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(path)
    assert response.status_code in (200, 302), response.status_code
    return response, [q["sql"] for q in ctx.captured_queries]


def is_decision_query(sql):
    """compute_decision's query is the only read that joins the dismissal table."""
    return sql.lstrip().upper().startswith("SELECT") and DISMISSAL_TABLE in sql


def is_last_sent_query(sql):
    """preview.last_sent's read: the report table, newest first, no dismissal table."""
    return sql.lstrip().upper().startswith("SELECT") and REPORT_TABLE in sql and not is_decision_query(sql)


def decision_queries(queries):
    return [sql for sql in queries if is_decision_query(sql)]


def added_queries(client, path, cold):
    """
    Queries the banner adds to ``path``: (with processor) - (without), and its decision queries.

    ``cold`` empties the cached decisions (as a generation bump does) before the measured request.
    """
    client.get(path)  # settle first-request work (session, content types) for both runs
    with without_banner_processor():
        _, baseline = run(client, path)
    if cold:
        caching.invalidate()
    _, measured = run(client, path)
    assert decision_queries(baseline) == []
    return len(measured) - len(baseline), decision_queries(measured)


def shows(client, path="/admin/"):
    """Whether the page has the banner (asserting it rendered)."""
    response = client.get(path)
    assert response.status_code == 200
    return BANNER in response.content.decode()


def shows_cached(client, path="/admin/"):
    """Like :func:`shows`, also asserting the answer came from the cache (no decision query)."""
    response, queries = run(client, path)
    assert decision_queries(queries) == [], "expected the cached decision to be used"
    return BANNER in response.content.decode()


def worker_finished(task=generate_survey_report):
    """What a Celery worker sends when the report task ends, successfully or not."""
    task_postrun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")


def make_report(created_at=None, state=SURVEY_REPORT_GENERATED, uploads=None):
    """A report row created like upstream (save()), delivered when ``generated`` (conftest.make_report)."""
    return conftest.make_report(created_at or datetime.now(dt_timezone.utc), state=state, uploads=uploads)


@contextmanager
def forbid_cache_and_decision():
    """Fail if the banner touches its cache or computes a decision."""
    boom = AssertionError("the banner must exit before the cache and the database")
    with mock.patch.object(caching, "cache", side_effect=boom), \
            mock.patch.object(banner, "banner_disabled", side_effect=boom), \
            mock.patch.object(banner, "compute_decision", side_effect=boom), \
            mock.patch.object(preview, "banner_context", side_effect=boom):
        yield


# --------------------------------------------------------------------------------------------
# Exact query counts
# --------------------------------------------------------------------------------------------

@pytest.mark.django_db
class TestQueriesAdded:
    """0 everywhere except a superuser's admin page with no cached decision: exactly 1."""

    @pytest.mark.parametrize("role, path", [
        ("anonymous", "/admin/login/"),            # the login page
        ("anonymous", "/dashboard"),               # a non-admin page
        ("active_user", "/admin/login/"),          # admin sends them to the login page
        ("active_user", "/dashboard"),
        ("staff", "/admin/"),                      # staff without superuser: admin renders
        ("superuser_without_staff", "/admin/login/"),
        ("staff_superuser", "/dashboard"),         # the audience, on a non-admin page
    ])
    def test_zero_and_never_touches_cache_or_db(self, role, path):
        client = client_for(role)
        added, _ = added_queries(client, path, cold=True)
        assert added == 0
        with forbid_cache_and_decision():
            assert client.get(path).status_code == 200

    def test_superuser_cold_is_exactly_one_query(self):
        client = client_for("staff_superuser")
        added, new_sql = added_queries(client, "/admin/", cold=True)
        # Cold = the generation bumped (a dismissal, a click, a report): the last report sent is a
        # site-wide entry of its own, not read again (see test_last_report_sent_is_read_once...).
        assert added == 1
        assert len(new_sql) == 1 and is_decision_query(new_sql[0])
        # The kill switch comes from waffle's own cache: no query for it while that is warm.
        assert "waffle_switch" not in new_sql[0]

    def test_superuser_cold_with_waffle_cache_cold_adds_waffles_own_query(self):
        """With waffle's cache empty too, waffle reads the switch once (then caches it, even if absent)."""
        client = client_for("staff_superuser")
        Switch.objects.create(name=DISABLE_BANNER_SWITCH, active=False)
        client.get("/admin/")
        for cache in __import__("django.core.cache", fromlist=["caches"]).caches.all():
            cache.clear()  # waffle's entries and our decisions gone alike
        with without_banner_processor():
            _, baseline = run(client, "/admin/")
        for cache in __import__("django.core.cache", fromlist=["caches"]).caches.all():
            cache.clear()
        _, measured = run(client, "/admin/")
        # The decision, waffle's switch, and the last report sent (one site-wide entry, see below).
        assert len(measured) - len(baseline) == 3
        assert len([sql for sql in measured if "waffle_switch" in sql]) == 1
        assert len([sql for sql in measured if is_last_sent_query(sql)]) == 1

    def test_superuser_warm_is_zero_queries_and_one_cache_read(self):
        client = client_for("staff_superuser")
        assert shows(client)  # computes and caches
        added, _ = added_queries(client, "/admin/", cold=False)
        assert added == 0
        cache = caching.cache()
        with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, \
                mock.patch.object(cache, "set", wraps=cache.set) as set_, \
                mock.patch.object(cache, "incr", wraps=cache.incr) as incr, \
                mock.patch.object(rendering, "_SLOTS", wraps=rendering._SLOTS) as slots:
            assert shows_cached(client)
        # The banner's HTML is kept in this process (rendering.py): not rendered, not read from the cache.
        assert slots.split.call_count == 0
        # Generation + this user's decision in one round trip; the preview, its lock and the last
        # report sent in another (issue 16), made only when the banner shows.
        assert get_many.call_count == 2
        assert caching.GENERATION_KEY in get_many.call_args_list[0].args[0]
        assert sorted(get_many.call_args_list[1].args[0]) == sorted(
            [preview.PREVIEW_KEY, preview.LOCK_KEY, preview.LAST_SENT_KEY]
        )
        assert set_.call_count == 0 and incr.call_count == 0

    def test_superuser_warm_with_a_preview_and_a_report_sent_before_is_zero_queries(self):
        """The kept preview and "what was sent last time" are on the page, and cost no query."""
        client = client_for("staff_superuser")
        make_report(datetime.now(dt_timezone.utc) - timedelta(days=400))  # Sent, outside the window.
        preview.compute()
        html = client.get("/admin/").content.decode()
        assert "data-survey-report-last-sent" in html and "data-survey-report-json" in html
        added, _ = added_queries(client, "/admin/", cold=False)
        assert added == 0

    def test_superuser_warm_with_a_failure_and_attempts_exhausted_is_zero_queries(self):
        """Issue 21: the cause, the row's state and retry_at come with the one decision query, cached."""
        client = client_for("staff_superuser")
        now = datetime.now(dt_timezone.utc)
        for minutes in (50, 40, 30):  # Failed long enough ago that the report rows are final (cached).
            SurveyReportAttempt.objects.create(attempted_at=now - timedelta(minutes=minutes), trigger="banner",
                                               cause="http:503")
            make_report(now - timedelta(minutes=minutes) + timedelta(seconds=5), state=SURVEY_REPORT_ERROR)
        with override_settings(SURVEY_REPORT_BANNER_PENDING_MINUTES=15):
            html = client.get("/admin/").content.decode()
            assert "the endpoint answered HTTP 503" in html and "data-retry-at" in html
            added, new_sql = added_queries(client, "/admin/", cold=True)
            assert added == 1 and len(new_sql) == 1
            added, _ = added_queries(client, "/admin/", cold=False)
            assert added == 0
            assert "data-retry-at" in client.get("/admin/").content.decode()

    def test_last_report_sent_is_read_once_for_everyone(self, superuser, other_superuser):
        """Not per user: after the first cold page, another superuser's cold page costs its decision only."""
        first, second = Client(), Client()
        first.force_login(superuser)
        second.force_login(other_superuser)
        _, queries = run(first, "/admin/")
        assert len([sql for sql in queries if is_last_sent_query(sql)]) == 1
        _, queries = run(second, "/admin/")
        assert [sql for sql in queries if is_last_sent_query(sql)] == []
        assert len(decision_queries(queries)) == 1

    @pytest.mark.parametrize("state", ["dismissed", "sent", "due"])
    def test_cached_answer_whatever_it_is(self, state):
        client = client_for("staff_superuser")
        user = get_user_model().objects.get(username="staff_superuser")
        if state == "dismissed":
            SurveyReportBannerDismissal.objects.create(user=user)
        elif state == "sent":
            make_report(datetime.now(dt_timezone.utc) - timedelta(days=30))
        shows(client)
        assert shows_cached(client) is (state == "due")

    def test_non_admin_page_never_evaluates_the_user(self):
        """Not even the lazy ``request.user`` (a session and user query on a page that needs neither)."""
        def explode():
            raise AssertionError("request.user evaluated on a non-admin page")
        request = RequestFactory().get("/dashboard")
        request.user = SimpleLazyObject(explode)
        with forbid_cache_and_decision():
            context = banner_processor(request)
        assert context == {"show_survey_report_banner": False, "survey_report_banner": None}

    def test_upstream_processor_is_gone(self):
        """Redwood's own processor (one query on every admin page) is removed by plugin_settings."""
        processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
        assert "openedx.features.survey_report.context_processors.admin_extra_context" not in processors
        assert processors[-1] == CONTEXT_PROCESSOR


# --------------------------------------------------------------------------------------------
# Invalidation: no stale banner after any event that changes the answer
# --------------------------------------------------------------------------------------------

@pytest.mark.django_db
class TestNoStaleBanner:
    """Warm the cache, change the world, look at the very next page."""

    @pytest.fixture
    def client(self, superuser):
        client = Client()
        client.force_login(superuser)
        return client

    def test_dismissal(self, client, superuser, other_superuser):
        other = Client()
        other.force_login(other_superuser)
        assert shows(client) and shows_cached(client)
        assert shows(other) and shows_cached(other)
        client.post(DISMISS)
        assert not shows(client)
        assert shows(other)  # per user
        assert not shows_cached(client)

    def test_dismissal_deleted(self, client, superuser):
        dismissal = SurveyReportBannerDismissal.objects.create(user=superuser)
        assert not shows(client) and not shows_cached(client)
        dismissal.delete()
        assert shows(client)

    def test_send(self, client, other_superuser, broker):
        other = Client()
        other.force_login(other_superuser)
        assert shows(client) and shows_cached(client) and shows(other)
        client.post(SEND)
        assert broker() == ["openedx.features.survey_report.tasks.generate_survey_report"]
        assert not shows(client)
        assert not shows(other)  # a report is on its way for the whole site
        assert not shows_cached(other)

    def test_report_created_with_save(self, client):
        assert shows(client) and shows_cached(client)
        make_report(state=SURVEY_REPORT_PROCESSING)  # a worker picked the task up
        assert not shows(client)

    def test_report_updated_with_save(self, client):
        report = make_report(datetime.now(dt_timezone.utc) - timedelta(days=3), state=SURVEY_REPORT_ERROR)
        assert shows(client) and shows_cached(client)
        report.state = SURVEY_REPORT_GENERATED
        report.save()  # e.g. edited in Django admin
        assert not shows(client)

    def test_upload_recorded_by_the_admin_action(self, client):
        """A failed report re-sent with "Send report to external API": its 2xx upload counts as sent."""
        report = make_report(datetime.now(dt_timezone.utc) - timedelta(days=2), state=SURVEY_REPORT_ERROR)
        assert shows(client) and shows_cached(client)
        SurveyReportUpload.objects.create(report=report, status_code=200)
        assert not shows(client)

    def test_report_deleted(self, client):
        report = make_report(datetime.now(dt_timezone.utc) - timedelta(days=3))
        assert not shows(client) and not shows_cached(client)
        report.delete()
        assert shows(client)

    def test_upload_written_without_a_signal_seen_when_the_worker_task_ends(self, client):
        """Rows written without model signals (bulk, or update()) are seen once the task ends."""
        report = make_report(datetime.now(dt_timezone.utc) - timedelta(days=3), uploads=[])  # never arrived
        assert shows(client) and shows_cached(client)
        SurveyReportUpload.objects.bulk_create([SurveyReportUpload(report=report, status_code=200)])
        worker_finished()
        assert not shows(client)

    @override_settings(SURVEY_REPORT_BANNER_REPORT_MODEL="survey_report.SurveyReportWithoutUploads")
    def test_update_to_generated_seen_when_the_worker_task_ends(self, client):
        """A report model without uploads: ``generated`` is sent, and update() sends no signal."""
        from openedx.features.survey_report.models import SurveyReportWithoutUploads
        with time_machine.travel(datetime.now(dt_timezone.utc) - timedelta(days=3), tick=False):
            report = SurveyReportWithoutUploads.objects.create(state=SURVEY_REPORT_ERROR)
        assert shows(client) and shows_cached(client)
        SurveyReportWithoutUploads.objects.filter(pk=report.pk).update(state=SURVEY_REPORT_GENERATED)
        worker_finished()
        assert not shows(client)

    def test_other_tasks_do_not_invalidate(self, client):
        from celery import shared_task  # pylint: disable=import-outside-toplevel

        @shared_task(name="some.other.task")
        def other_task():
            return None

        assert shows(client)
        worker_finished(other_task)
        assert shows_cached(client)

    @staticmethod
    def _failing_send(client, seen):
        """Replace upstream's HTTP send: render an admin page mid-task (caching what it can), then fail."""
        def send(report_id):
            seen.append(shows(client))
            seen.append(shows(client))
            raise ConnectionError("endpoint down")
        return mock.patch.object(upstream_api, "send_report_to_external_api", side_effect=send)

    def test_decisions_cached_while_the_task_runs_do_not_outlive_it(self, client):
        """processing -> generated -> error inside one task run; pages viewed meanwhile."""
        assert shows(client) and shows_cached(client)
        seen = []
        with self._failing_send(client, seen):
            result = generate_survey_report.apply()  # runs the task here, signals included
        assert result.successful()  # upstream's task logs the failure and returns normally
        assert seen == [False, False]  # generated (not yet error) while sending
        assert SurveyReport.objects.get().state == SURVEY_REPORT_ERROR
        assert shows(client)

    def test_update_outside_any_task_synchronous_generate_report(self, client):
        """
        Upstream's ``generate_report`` management command calls the api directly: no task, so no
        task_postrun, and the processing -> generated -> error moves send no signal at all. Answers
        resting on such a young row are not cached, so the failure is seen on the next page.
        """
        assert shows(client) and shows_cached(client)
        seen = []
        with self._failing_send(client, seen), pytest.raises(Exception, match="endpoint down"):
            upstream_api.generate_report()
        assert seen == [False, False]
        assert SurveyReport.objects.get().state == SURVEY_REPORT_ERROR
        assert shows(client)

    def test_young_report_answers_are_recomputed_then_cached_once_final(self, client):
        now = datetime.now(dt_timezone.utc)
        make_report(now - timedelta(minutes=5), state=SURVEY_REPORT_PROCESSING)
        for _ in range(2):
            response, queries = run(client, "/admin/")
            assert BANNER not in response.content.decode()
            assert len(decision_queries(queries)) == 1  # one query, as upstream; never stale
        SurveyReport.objects.update(state=SURVEY_REPORT_GENERATED)  # silently, no task
        _, queries = run(client, "/admin/")
        assert len(decision_queries(queries)) == 1  # counted, still posting: on its way
        SurveyReportUpload.objects.bulk_create([SurveyReportUpload(report=SurveyReport.objects.get(), status_code=200)])
        _, queries = run(client, "/admin/")
        assert len(decision_queries(queries)) == 1
        # Past the pending window the row is final: the answer is cached again.
        with time_machine.travel(now + timedelta(minutes=61), tick=False):
            client.force_login(get_user_model().objects.get(username="admin"))
            assert not shows(client)
            assert not shows_cached(client)

    @pytest.mark.parametrize("how", ["model", "command"])
    def test_waffle_switch_flip(self, client, how, django_capture_on_commit_callbacks):
        def flip(active):
            with django_capture_on_commit_callbacks(execute=True):  # waffle flushes its cache on commit
                if how == "command":
                    call_command("waffle_switch", DISABLE_BANNER_SWITCH, "on" if active else "off", "--create")
                else:
                    Switch.objects.update_or_create(name=DISABLE_BANNER_SWITCH, defaults={"active": active})

        assert shows(client) and shows_cached(client)
        flip(True)
        assert not shows(client) and not shows_cached(client)
        flip(False)
        assert shows(client) and shows_cached(client)
        flip(True)
        assert not shows(client)
        with django_capture_on_commit_callbacks(execute=True):
            Switch.objects.filter(name=DISABLE_BANNER_SWITCH).get().delete()
        assert shows(client)

    @pytest.mark.parametrize("what", ["dismissal", "report"])
    def test_threshold_edge(self, superuser, what):
        """A cached 'hidden' lasts until the threshold passes, then at most the cache timeout more."""
        happened = datetime(2026, 1, 10, 9, 0, tzinfo=dt_timezone.utc)
        if what == "dismissal":
            SurveyReportBannerDismissal.objects.create(user=superuser, dismissed_at=happened)
        else:
            make_report(happened)
        edge = datetime(2026, 7, 10, 9, 0, tzinfo=dt_timezone.utc)  # six calendar months on
        client = Client()
        # Within SURVEY_REPORT_BANNER_CACHE_TIMEOUT (300 s) of the edge, so still cached there.
        with time_machine.travel(edge - timedelta(minutes=1), tick=False):
            client.force_login(superuser)  # six months on, the session would have expired
            assert not shows(client)
        with time_machine.travel(edge, tick=False):
            assert not shows_cached(client)  # still cached at the last instant
        with time_machine.travel(edge + timedelta(microseconds=1), tick=False):
            caching.invalidate()  # any event, or the cache timeout: the answer is recomputed
            assert shows(client)
        timeout = timedelta(seconds=conf.cache_timeout())
        with time_machine.travel(edge - timedelta(seconds=1), tick=False):
            caching.invalidate()
            assert not shows(client)  # cached again, just before the edge...
        with time_machine.travel(edge + timeout, tick=False):
            assert shows(client)  # ...and expired by the cache timeout, without any event

    def test_invalidation_inside_a_transaction_is_repeated_on_commit(self, superuser,
                                                                    django_capture_on_commit_callbacks):
        """
        With ATOMIC_REQUESTS (as the LMS runs) the dismissal is not visible to other requests until
        commit; one of them may cache the old answer under the new generation meanwhile.
        """
        key = caching.DECISION_KEY.format(user_id=superuser.pk)
        cache = caching.cache()
        request = RequestFactory().get("/admin/")
        request.user = superuser
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                SurveyReportBannerDismissal.objects.create(user=superuser)
                # A concurrent request, not seeing the uncommitted row, caches "show".
                generation = cache.get(caching.GENERATION_KEY)
                cache.set(key, (generation, True, "due", None))
                assert banner.should_show_banner(request) is True  # the race, reproduced
        assert banner.should_show_banner(request) is False


# --------------------------------------------------------------------------------------------
# Scale: the decision's query uses indexes and costs the same at 1,000 and 20,000 rows
# --------------------------------------------------------------------------------------------

def seed(rows, target, batch="a"):
    """``rows`` old report rows and ``rows`` dismissals of other users (bulk, like a busy site)."""
    old = datetime.now(dt_timezone.utc) - timedelta(days=400)
    User = get_user_model()  # pylint: disable=invalid-name
    # One dismissal per user (the table's rule): as many superusers as rows.
    User.objects.bulk_create(
        [User(username=f"{batch}{i}", password="!", is_staff=True, is_superuser=True) for i in range(rows)],
        batch_size=2000,
    )
    users = list(User.objects.filter(username__startswith=batch).exclude(pk=target.pk).order_by("pk"))
    SurveyReport.objects.bulk_create([SurveyReport(state=SURVEY_REPORT_GENERATED) for _ in range(rows)],
                                     batch_size=2000)
    SurveyReport.objects.update(created_at=old)
    SurveyReportBannerDismissal.objects.bulk_create(
        [SurveyReportBannerDismissal(user=user, dismissed_at=old + timedelta(minutes=i))
         for i, user in enumerate(users)], batch_size=2000,
    )
    assert banner.compute_decision(target.pk).reason == "due"


def decision_sql(user):
    with CaptureQueriesContext(connection) as ctx:
        banner.compute_decision(user.pk)
    (query,) = ctx.captured_queries
    return query["sql"]


def explain(sql):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + sql)
        columns = [col[0] for col in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.django_db
class TestScale:
    """
    The one decision query, on a busy site: dismissals are read through their index.

    The report table is filtered on ``created_at``, which upstream does not index: it grows by
    about two rows a year, so that scan costs nothing a user could notice (``make bench`` measures
    a cold superuser page at 100,000 report rows).
    """

    def test_dismissals_are_read_through_their_index(self, superuser):
        seed(1000, superuser)
        plan = explain(decision_sql(superuser))
        if connection.vendor == "sqlite":
            # The user's one row, through an index on user_id (the unique one, or (user, dismissed_at)).
            assert [line for line in plan if "dismissal" in line and "(user_id=?" in line], plan
            assert not [line for line in plan if line.startswith("SCAN") and DISMISSAL_TABLE in line], plan
        else:
            keys = {"srb_dismissal_user_at", "srb_dismissal_one_per_user"}
            dismissals = [row for row in plan if row["table"] and DISMISSAL_TABLE in row["table"] or
                          row["key"] in keys]
            # MariaDB may read the user's one row through the unique key while planning (a "const"
            # table): the sub-query then shows no table at all.
            const_read = [row for row in plan if "after reading const tables" in (row.get("Extra") or "")]
            assert dismissals or const_read, plan
            assert all(row["key"] in keys for row in dismissals), plan

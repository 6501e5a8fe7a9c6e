"""
Tests of survey_report_banner.preview, its task and its two views, as a superuser meets them.

*Preview* asks a worker to count the report's totals with upstream's own functions; the banner
shows the exact body the project's endpoint would receive. Nothing is saved as a report, nothing
is POSTed, and counting never happens during a page view.
"""

import re
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from unittest import mock

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SurveyReport,
    SurveyReportAnonymousSiteID,
    SurveyReportUpload,
)

from host.celery import APP
from survey_report_banner import caching, conf, preview, wording
from survey_report_banner.tasks import TASK_NAME, compute_report_preview

from conftest import client_for

PREVIEW = "/survey-report-banner/preview/"
RESULT = "/survey-report-banner/preview/result/"
DISMISS = "/survey-report-banner/dismiss/"
BUTTON = "Preview with this site's numbers"
JSON = {"HTTP_ACCEPT": "application/json"}
BODY_KEYS = [
    "courses_offered", "learners", "registered_learners", "enrollments", "generated_certificates",
    "id", "extra_data", "created_at",
]
COUNTING = "Counting this site's totals on a worker. Nothing is sent or saved."


def banner_html(client, path="/admin/"):
    response = client.get(path)
    assert response.status_code == 200
    match = re.search(r'<section id="survey-report-banner".*?</section>', response.content.decode(), re.S)
    assert match, "the page has no banner"
    return match.group(0)


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'").strip()


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def report_at(created_at, state=SURVEY_REPORT_GENERATED, **counts):
    """A report row as upstream's task leaves it; a ``generated`` one was delivered (a 200 upload)."""
    with time_machine.travel(created_at, tick=False):
        report = SurveyReport.objects.create(state=state, **counts)
        if state == SURVEY_REPORT_GENERATED:
            SurveyReportUpload.objects.create(report=report, status_code=200)
    return report


@pytest.mark.django_db
class TestRoleMatrixAndMethods:
    """POST only, active staff superusers only, CSRF checked; the result is read by superusers only."""

    @pytest.mark.parametrize("role, status", [
        ("anonymous", 403), ("active_user", 403), ("staff", 403), ("superuser_without_staff", 403),
        ("inactive_staff_superuser", 403), ("staff_superuser", 302),
    ])
    def test_post(self, role, status, broker):
        response = client_for(role).post(PREVIEW, {"next": "/admin/"})
        assert response.status_code == status
        assert broker() == ([TASK_NAME] if status == 302 else [])

    @pytest.mark.parametrize("role, status", [
        ("anonymous", 403), ("active_user", 403), ("staff", 403), ("superuser_without_staff", 403),
        ("inactive_staff_superuser", 403), ("staff_superuser", 200),
    ])
    def test_result(self, role, status):
        preview.compute()
        response = client_for(role).get(RESULT)
        assert response.status_code == status
        assert ("body" in response.json()) is (status == 200)

    @pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
    def test_preview_is_post_only(self, admin_client, method, broker):
        assert getattr(admin_client, method)(PREVIEW).status_code == 405
        assert broker() == []

    @pytest.mark.parametrize("method", ["post", "put", "delete"])
    def test_result_is_get_only(self, admin_client, method):
        assert getattr(admin_client, method)(RESULT).status_code == 405

    def test_csrf_enforced(self, superuser, broker):
        client = Client(enforce_csrf_checks=True)
        client.force_login(superuser)
        assert client.post(PREVIEW).status_code == 403
        assert broker() == []
        client.get("/admin/")
        token = client.cookies["csrftoken"].value
        assert client.post(PREVIEW, {"csrfmiddlewaretoken": token}).status_code == 302
        assert broker() == [TASK_NAME]

    def test_switched_off_since_the_page_was_loaded(self, admin_client, switch_on, broker):
        response = admin_client.post(PREVIEW, **JSON)
        assert response.status_code == 409 and response.json()["status"] == "turned_off"
        assert broker() == []


@pytest.mark.django_db
class TestCountingOnAWorker:
    """The click asks a worker, once; the worker counts with upstream's functions; nothing is sent."""

    def test_json_click_then_result(self, admin_client, broker, superuser):
        response = admin_client.post(PREVIEW, **JSON)
        assert response.status_code == 202
        assert response.json() == {"status": "counting", "message": COUNTING}
        assert broker() == [TASK_NAME]
        assert admin_client.get(RESULT).json() == {"status": "counting", "message": COUNTING}

        # The cache's expiry follows the clock: stay at that moment to read the result.
        with time_machine.travel(datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt_timezone.utc), tick=False):
            compute_report_preview()  # What the worker runs.
            data = admin_client.get(RESULT).json()
        assert data["status"] == "ready"
        assert data["counted_at"] == "2026-03-04T05:06:07+00:00"
        assert data["message"] == "Counted on March 4, 2026, 5:06 a.m. UTC"
        assert list(data["body"]) == BODY_KEYS  # The order upstream's body has.
        site_id = str(SurveyReportAnonymousSiteID.objects.get().id)
        assert data["body"] == {
            "courses_offered": 0, "learners": 1, "registered_learners": 1, "enrollments": 0,
            "generated_certificates": 0, "id": site_id, "extra_data": {}, "created_at": "03-04-2026 05:06:07",
        }
        assert data["json"].startswith('{\n  "courses_offered": 0,\n')

    def test_nothing_saved_as_a_report_and_nothing_posted(self, admin_client, receiver, broker):
        admin_client.post(PREVIEW, **JSON)
        compute_report_preview()
        assert admin_client.get(RESULT).json()["status"] == "ready"
        assert SurveyReport.objects.count() == 0 and SurveyReportUpload.objects.count() == 0
        time.sleep(0.2)  # Anything posted would have reached the loopback receiver by now.
        assert receiver.payloads == []

    def test_the_body_is_what_upstream_would_send(self, admin_client, receiver, settings, broker):
        """Same site, same moment: the preview's body and the report upstream posts are equal."""
        settings.SURVEY_REPORT_EXTRA_DATA = {"release": "Ulmo", "pods": 3}
        settings.ANONYMOUS_SURVEY_REPORT = False
        settings.LMS_BASE = "learn.example.org"
        moment = datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt_timezone.utc)
        with time_machine.travel(moment, tick=False):
            compute_report_preview()
            from openedx.features.survey_report.api import generate_report  # pylint: disable=import-outside-toplevel

            generate_report()
            kept = admin_client.get(RESULT).json()["body"]
        [posted] = receiver.payloads
        assert kept == posted

    def test_created_at_is_utc_whatever_the_sites_zone(self, admin_client, receiver, settings, broker):
        """What "What is sent" says: upstream formats the aware created_at, which Django reads in UTC."""
        settings.TIME_ZONE = "America/Bogota"  # UTC-5
        with time_machine.travel(datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt_timezone.utc), tick=False):
            from openedx.features.survey_report.api import generate_report  # pylint: disable=import-outside-toplevel

            generate_report()
            compute_report_preview()
            kept = admin_client.get(RESULT).json()["body"]
        [posted] = receiver.payloads
        assert posted["created_at"] == kept["created_at"] == "05-06-2026 07:08:09"

    def test_page_views_never_count(self, admin_client):
        """Neither the banner nor the result endpoint calls upstream's counting functions."""
        module = preview.upstream_api()
        with mock.patch.object(module, "get_report_data", side_effect=AssertionError("counted")), \
                mock.patch.object(module, "get_id", side_effect=AssertionError("counted")):
            banner_html(admin_client)
            banner_html(admin_client, "/admin/auth/user/")
            with CaptureQueriesContext(connection) as ctx:
                assert admin_client.get(RESULT).status_code == 200
        assert [q for q in ctx.captured_queries if "survey_report" in q["sql"]] == []

    def test_one_count_at_a_time(self, admin_client, other_superuser, broker):
        other = Client()
        other.force_login(other_superuser)
        assert admin_client.post(PREVIEW, **JSON).status_code == 202
        second = other.post(PREVIEW, **JSON)
        assert second.status_code == 202 and second.json()["status"] == "counting"
        assert broker() == [TASK_NAME]  # One task for both clicks.
        compute_report_preview()
        assert caching.cache().get(preview.LOCK_KEY) is None  # Released by the task.
        assert other.get(RESULT).json()["status"] == "ready"  # Kept for every superuser.

    def test_the_lock_is_the_caches_atomic_add(self, admin_client, broker):
        """Another process holding the lock (an entry in the shared cache) means: no second count."""
        caching.cache().add(preview.LOCK_KEY, {"token": "elsewhere", "since": "x"})
        assert admin_client.post(PREVIEW, **JSON).json()["status"] == "counting"
        assert broker() == []
        compute_report_preview()  # The other process's task ends: it releases its own lock only.
        assert caching.cache().get(preview.LOCK_KEY) is None

    def test_a_task_never_releases_a_lock_taken_after_its_own(self):
        caching.cache().add(preview.LOCK_KEY, {"token": "mine", "since": "x"})
        with mock.patch.object(preview.caching.cache(), "get", side_effect=[{"token": "mine"}, {"token": "new"}]):
            preview.compute()
        assert caching.cache().get(preview.LOCK_KEY) == {"token": "mine", "since": "x"}

    def test_a_recent_result_is_answered_without_counting_again(self, admin_client, broker):
        now = datetime.now(dt_timezone.utc)
        with time_machine.travel(now - timedelta(minutes=4), tick=False):
            preview.compute()
        response = admin_client.post(PREVIEW, **JSON)
        assert response.status_code == 200 and response.json()["status"] == "ready"
        counted = wording.when(now - timedelta(minutes=4), with_date=False)  # "2:05 p.m. UTC", as every time.
        # Said as it is: the kept count, from when (and in which zone), not a new one.
        assert response.json()["message"] == (
            f"This is the count from {counted}: a count less than 5 minutes old is shown again, not counted again."
        )
        assert broker() == []
        with time_machine.travel(now + timedelta(minutes=2)):
            assert admin_client.post(PREVIEW, **JSON).status_code == 202  # Older than 5 minutes: counted again.
        assert broker() == [TASK_NAME]

    def test_kept_for_the_configured_time(self, admin_client, settings):
        settings.SURVEY_REPORT_BANNER_PREVIEW_MINUTES = 10
        with mock.patch.object(caching.cache(), "set", wraps=caching.cache().set) as set_:
            preview.compute()
        assert set_.call_args.kwargs["timeout"] == 600

    def test_a_failed_count_is_said(self, admin_client, broker):
        admin_client.post(PREVIEW, **JSON)
        with mock.patch.object(preview.upstream_api(), "get_report_data", side_effect=RuntimeError("db gone")):
            compute_report_preview()
        data = admin_client.get(RESULT).json()
        assert data["status"] == "failed"
        assert data["message"] == (
            "The totals could not be counted (the worker's log says why). Nothing was sent. You can try again."
        )
        assert caching.cache().get(preview.LOCK_KEY) is None  # The next click counts again.
        assert admin_client.post(PREVIEW, **JSON).status_code == 202

    def test_nothing_kept(self, admin_client):
        assert admin_client.get(RESULT).json() == {"status": "none", "message": "No preview was counted recently."}

    def test_broker_down(self, admin_client, monkeypatch):
        monkeypatch.setattr(APP.conf, "broker_write_url", "redis://127.0.0.1:1/0")
        started = time.monotonic()
        response = admin_client.post(PREVIEW, **JSON)
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        assert response.json() == {
            "status": "broker_unavailable",
            "message": "The preview could not be counted because the task queue is unreachable. Nothing was "
                       "counted or sent. Please try again later, or ask your operator to check the Celery broker.",
        }
        assert caching.cache().get(preview.LOCK_KEY) is None  # Released: the next click may try again.
        # Without JavaScript: back to the page, with the same words as an admin error message.
        response = admin_client.post(PREVIEW, {"next": "/admin/auth/user/"})
        assert response.status_code == 302 and response["Location"] == "/admin/auth/user/"
        assert messages_of(response)[0].startswith("The preview could not be counted because the task queue")

    def test_cache_down(self, admin_client):
        with mock.patch.object(preview.caching, "cache", side_effect=ConnectionRefusedError("cache down")):
            response = admin_client.post(PREVIEW, **JSON)
            assert response.status_code == 503 and "cache is unreachable" in response.json()["message"]
            result = admin_client.get(RESULT)
            assert result.status_code == 503 and result.json()["status"] == "unavailable"

    def test_database_down_for_the_last_report_sent(self, admin_client):
        """The banner still renders, without the parts it could not read."""
        preview.compute()
        with mock.patch.object(preview, "last_sent", side_effect=DatabaseError("no such table")):
            html = banner_html(admin_client)
        assert "data-survey-report-disclosure" in html and "data-survey-report-last-sent" not in html
        assert '<div class="survey-report-banner__body" data-survey-report-body hidden>' in html


@pytest.mark.django_db
class TestALostCount:
    """
    Issue 20 part 4: a count no worker took, or whose worker died, is told lost once it cannot
    still be running (queue wait + hard time limit + slack after the click), and Preview counts again.
    """

    LOST = ("The count did not finish: no worker took it in time, or the worker stopped. Nothing was sent. "
            "You can try again.")

    def test_the_task_carries_its_own_limits_not_the_reports(self, admin_client, settings):
        settings.SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT = 120
        settings.SURVEY_REPORT_BANNER_SEND_TIMEOUT = 60
        with mock.patch.object(compute_report_preview, "apply_async", wraps=compute_report_preview.apply_async) as sent:
            assert admin_client.post(PREVIEW, **JSON).status_code == 202
        kwargs = sent.call_args.kwargs
        assert (kwargs["expires"], kwargs["soft_time_limit"], kwargs["time_limit"]) == (120, 60, 70)
        lock = caching.cache().get(preview.LOCK_KEY)
        since, until = datetime.fromisoformat(lock["since"]), datetime.fromisoformat(lock["until"])
        assert until - since == timedelta(seconds=120 + 70 + 15)

    def test_the_reports_limits_are_the_send_gates(self, settings):
        """The report task keeps a send's limits (gate.send_limits): an absolute expiry from its claim."""
        from survey_report_banner import gate  # pylint: disable=import-outside-toplevel

        settings.SURVEY_REPORT_BANNER_SEND_TIMEOUT = 60
        claimed = datetime(2026, 11, 25, 14, 0, tzinfo=dt_timezone.utc)
        assert gate.send_limits(claimed) == {
            "expires": datetime(2026, 11, 25, 15, 0, tzinfo=dt_timezone.utc), "soft_time_limit": 60, "time_limit": 90,
        }
        assert preview.task_limits() != gate.send_limits(claimed)

    def test_never_picked_up_is_told_lost_after_the_bound_and_a_click_counts_again(self, admin_client, broker):
        clicked = datetime.now(dt_timezone.utc)
        with time_machine.travel(clicked, tick=False):
            assert admin_client.post(PREVIEW, **JSON).status_code == 202
        assert broker() == [TASK_NAME]  # Queued; no worker takes it.
        bound = preview.lock_bound()
        with time_machine.travel(clicked + bound - timedelta(seconds=1), tick=False):
            assert admin_client.get(RESULT).json() == {"status": "counting", "message": COUNTING}
            again = admin_client.post(PREVIEW, **JSON)
            assert again.json()["status"] == "counting" and broker() == []  # It may still run: wait.
        with time_machine.travel(clicked + bound + timedelta(seconds=1), tick=False):
            assert admin_client.get(RESULT).json() == {"status": "lost", "message": self.LOST}
            html = banner_html(admin_client, "/admin/auth/user/")
            assert 'class="survey-report-banner__preview-status is-failed"' in html
            status = re.search(r"data-survey-report-preview-status>(.*?)</p>", html, re.S).group(1)
            assert text_of(status) == self.LOST
            assert f">{BUTTON}</button>" in html  # Offered again.

            response = admin_client.post(PREVIEW, **JSON)
            assert response.status_code == 202 and response.json() == {"status": "counting", "message": COUNTING}
            assert broker() == [TASK_NAME]  # The lost lock no longer blocks.
            assert admin_client.get(RESULT).json()["status"] == "counting"
            compute_report_preview()
            assert admin_client.get(RESULT).json()["status"] == "ready"

    def test_told_lost_for_as_long_as_a_result_is_kept(self, admin_client, broker, settings):
        settings.SURVEY_REPORT_BANNER_PREVIEW_MINUTES = 10
        with mock.patch.object(caching.cache(), "add", wraps=caching.cache().add) as add:
            admin_client.post(PREVIEW, **JSON)
        assert add.call_args.kwargs["timeout"] == int((preview.lock_bound() + timedelta(minutes=10)).total_seconds())

    def test_only_one_of_many_clicks_takes_over_a_lost_count(self, admin_client, other_superuser, broker):
        clicked = datetime.now(dt_timezone.utc)
        with time_machine.travel(clicked, tick=False):
            admin_client.post(PREVIEW, **JSON)
        broker()
        other = Client()
        other.force_login(other_superuser)
        with time_machine.travel(clicked + preview.lock_bound() + timedelta(minutes=1), tick=False):
            answers = [client.post(PREVIEW, **JSON).json()["status"] for client in (admin_client, other, admin_client)]
            assert answers == ["counting"] * 3
            assert broker() == [TASK_NAME]

    def test_a_count_kept_after_the_click_is_not_lost(self, admin_client, broker):
        """The task counted but could not release its lock (a cache blip): its numbers, not "lost"."""
        clicked = datetime.now(dt_timezone.utc)
        with time_machine.travel(clicked, tick=False):
            admin_client.post(PREVIEW, **JSON)
            with mock.patch.object(preview, "_release"):
                compute_report_preview()
        with time_machine.travel(clicked + preview.lock_bound() + timedelta(seconds=1), tick=False):
            assert admin_client.get(RESULT).json()["status"] == "ready"

    def test_a_lock_without_its_bound_counts_as_counting(self):
        assert preview.lock_state({"token": "t", "since": "x"}, None) == "counting"
        assert preview.lock_state(None, None) is None


@pytest.mark.django_db
class TestWithoutJavaScript:
    """
    The click goes back to the page, at the preview, with "What is sent" open. That page says what
    is true when it is rendered: "reload in a moment" only while the count runs; once counted, the
    numbers, shown open.
    """

    DETAILS_OPEN = '<details class="survey-report-banner__disclosure" data-survey-report-disclosure open>'
    DETAILS_CLOSED = '<details class="survey-report-banner__disclosure" data-survey-report-disclosure>'

    def status_of(self, html):
        return text_of(re.search(r"data-survey-report-preview-status>(.*?)</p>", html, re.S).group(1))

    def test_click_then_counting_then_the_numbers_shown_open(self, admin_client, broker):
        response = admin_client.post(PREVIEW, {"next": "/admin/auth/user/?o=1"})
        assert response.status_code == 302
        assert response["Location"] == "/admin/auth/user/?o=1#survey-report-banner-preview"
        assert messages_of(response) == []  # The page says it, when it is rendered.
        html = banner_html(admin_client, "/admin/auth/user/?o=1")
        assert self.DETAILS_OPEN in html
        assert 'id="survey-report-banner-preview"' in html
        assert self.status_of(html) == (
            "Counting this site's totals on a worker. Nothing is sent or saved. Reload this page in a moment to see "
            "them here."
        )

        with time_machine.travel(datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt_timezone.utc), tick=False):
            compute_report_preview()
            html = banner_html(admin_client, "/admin/auth/user/")
        assert self.DETAILS_OPEN in html
        assert self.status_of(html) == (
            "Counted on March 4, 2026, 5:06 a.m. UTC: the totals are shown above, each after what it counts, and the "
            "exact body below."
        )
        assert "Reload" not in text_of(html)
        text = text_of(html)
        assert "registered learners ( registered_learners ): active accounts. On this site: 1" in text
        assert "courses offered ( courses_offered ): courses that have started, have not ended and have more " \
               "than 5 enrollments. On this site: 0" in text
        assert '<div class="survey-report-banner__body" data-survey-report-body>' in html
        json_block = re.search(r"<code data-survey-report-json>(.*?)</code>", html, re.S).group(1)
        assert "&quot;created_at&quot;: &quot;03-04-2026 05:06:07&quot;" in json_block
        assert f"On this site: {SurveyReportAnonymousSiteID.objects.get().id}" in text

    def test_numbers_ready_before_the_page_is_back_are_shown_at_once(self, admin_client, broker):
        """A fast worker counts before the redirect is followed: no "reload in a moment" then."""
        response = admin_client.post(PREVIEW, {"next": "/admin/"})
        compute_report_preview()
        html = banner_html(admin_client, response["Location"].split("#")[0])
        assert self.DETAILS_OPEN in html
        assert self.status_of(html).endswith(": the totals are shown above, each after what it counts, and the "
                                             "exact body below.")
        assert "Reload this page" not in text_of(html)  # (The script's slow-count message is an attribute.)

    def test_the_cookie_lasts_as_long_as_the_count_may_run(self, admin_client, broker):
        response = admin_client.post(PREVIEW, {"next": "/admin/"})
        cookie = response.cookies[preview.OPEN_COOKIE]
        assert cookie["max-age"] == int(preview.lock_bound().total_seconds()) == 600 + 310 + 15
        assert cookie["httponly"] and cookie["samesite"] == "Lax"

    def test_other_superusers_pages_stay_closed(self, admin_client, other_superuser, broker):
        admin_client.post(PREVIEW, {"next": "/admin/"})
        other = Client()
        other.force_login(other_superuser)
        html = banner_html(other)
        assert self.DETAILS_CLOSED in html
        assert self.status_of(html) == COUNTING  # No "reload": they did not ask.

    def test_a_second_click_right_after_says_which_count_it_is(self, admin_client, broker):
        with time_machine.travel(datetime(2026, 3, 4, 14, 5, 30, tzinfo=dt_timezone.utc), tick=False):
            preview.compute()
        with time_machine.travel(datetime(2026, 3, 4, 14, 8, tzinfo=dt_timezone.utc), tick=False):
            response = admin_client.post(PREVIEW, {"next": "/admin/"})
            assert messages_of(response) == [
                "This is the count from 2:05 p.m. UTC: a count less than 5 minutes old is shown again, "
                "not counted again."
            ]
            assert response["Location"] == "/admin/#survey-report-banner-preview"
            html = banner_html(admin_client)
        assert self.DETAILS_OPEN in html
        assert broker() == []


@pytest.mark.django_db
class TestOnThePage:
    """*What is sent*: each total with its meaning, the Preview button, what was sent last time."""

    MEANINGS = [
        "courses offered ( courses_offered ): courses that have started, have not ended and have more than 5 "
        "enrollments.",
        "recently active learners (last 4 weeks) ( learners ): accounts that logged in within the last 4 weeks.",
        "registered learners ( registered_learners ): active accounts.",
        "active enrollments ( enrollments ): active enrollments of users who are neither staff nor superusers.",
        "generated certificates ( generated_certificates ): passing course grades.",
    ]

    @pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/"])
    def test_each_total_says_what_it_counts(self, admin_client, path):
        html = banner_html(admin_client, path)
        totals = re.search(r'<ul class="survey-report-banner__totals">(.*?)</ul>', html, re.S).group(1)
        items = re.findall(r"<li>(.*?)</li>", totals, re.S)
        # No value before anyone asked for one: each value's slot is there, hidden.
        assert [text_of(item) for item in items] == [f"{meaning} On this site:" for meaning in self.MEANINGS]
        assert all(re.search(r'<span class="survey-report-banner__value" data-survey-report-value="\w+" hidden>', item)
                   for item in items)

    def test_the_preview_button_before_any_count(self, admin_client):
        html = banner_html(admin_client)
        form = re.search(r'<form method="post" action="/survey-report-banner/preview/".*?</form>', html, re.S).group(0)
        assert 'name="csrfmiddlewaretoken"' in form and 'name="next" value="/admin/"' in form
        assert f">{BUTTON}</button>" in form
        assert 'data-result-url="/survey-report-banner/preview/result/"' in html
        assert "The report actually sent is counted again when it is generated." in text_of(html)
        assert '<div class="survey-report-banner__body" data-survey-report-body hidden>' in html

    def test_no_button_without_upstreams_functions(self, admin_client, broker):
        with mock.patch.object(preview, "upstream_api", return_value=None):
            html = banner_html(admin_client)
            assert "data-survey-report-preview" not in html and "Preview with" not in html
            response = admin_client.post(PREVIEW, **JSON)
        assert response.status_code == 409 and response.json()["status"] == "unavailable"
        assert broker() == []

    def test_upstream_api_lookup(self):
        preview.upstream_api.cache_clear()
        try:
            assert preview.upstream_api() is not None
            with mock.patch("importlib.import_module", side_effect=ImportError):
                preview.upstream_api.cache_clear()
                assert preview.upstream_api() is None
            with mock.patch("importlib.import_module", return_value=mock.Mock(spec=["get_report_data"])):
                preview.upstream_api.cache_clear()
                assert preview.upstream_api() is None  # get_id missing (older than Redwood's id field)
        finally:
            preview.upstream_api.cache_clear()

    def test_what_was_sent_last_time(self, admin_client):
        old = report_at(datetime.now(dt_timezone.utc) - timedelta(days=500), courses_offered=3, learners=10,
                        registered_learners=20, enrollments=5, generated_certificates=1)
        newer = report_at(datetime.now(dt_timezone.utc) - timedelta(days=300), courses_offered=4, learners=11,
                          registered_learners=21, enrollments=6, generated_certificates=2,
                          extra_data={"release": "Teak"})
        report_at(datetime.now(dt_timezone.utc) - timedelta(days=250), state=SURVEY_REPORT_ERROR)  # Never arrived.
        html = banner_html(admin_client)
        block = re.search(r"<div class=\"survey-report-banner__last-sent\" data-survey-report-last-sent>(.*?)</div>",
                          html, re.S).group(1)
        date = date_format(newer.created_at, "DATETIME_FORMAT") + " UTC"  # Times name their zone (issue 21).
        assert text_of(block) == (
            f"The last report sent, on {date}, carried: courses offered: 4 recently active learners (last 4 "
            "weeks): 11 registered learners: 21 active enrollments: 6 generated certificates: 2 extra data: "
            "{&quot;release&quot;: &quot;Teak&quot;} See this report in the survey report list"
        )
        assert f'<a href="/admin/survey_report/surveyreport/{newer.pk}/change/">' in block
        assert f"/surveyreport/{old.pk}/change/" not in block

    def test_a_report_resent_with_a_2xx_upload_counts_as_sent(self, admin_client):
        report = report_at(datetime.now(dt_timezone.utc) - timedelta(days=400), state=SURVEY_REPORT_ERROR)
        SurveyReportUpload.objects.create(report=report, status_code=201)
        caching.cache().delete(preview.LAST_SENT_KEY)
        assert f"/admin/survey_report/surveyreport/{report.pk}/change/" in banner_html(admin_client)

    def test_nothing_about_last_time_when_nothing_was_ever_sent(self, admin_client):
        report_at(datetime.now(dt_timezone.utc) - timedelta(days=250), state=SURVEY_REPORT_ERROR)
        assert "data-survey-report-last-sent" not in banner_html(admin_client)

    def test_a_failed_count_on_the_page(self, admin_client):
        with mock.patch.object(preview.upstream_api(), "get_id", side_effect=RuntimeError):
            preview.compute()
        html = banner_html(admin_client)
        assert 'class="survey-report-banner__preview-status is-failed"' in html
        assert "The totals could not be counted" in html


@pytest.mark.django_db
class TestTheFlowsWording:
    """Issue 16 §4: what *Send report* and *Dismiss* say."""

    def test_send_json_says_queued_and_promises_nothing(self, admin_client, broker):
        response = admin_client.post("/survey-report-banner/send/", **JSON)
        assert response.json() == {
            "status": "enqueued", "message": "Queued: waiting for a worker to generate the survey report.",
        }

    def test_dismiss_after_another_superuser_sent(self, admin_client):
        report_at(datetime.now(dt_timezone.utc) - timedelta(minutes=1))
        response = admin_client.post(DISMISS, **JSON)
        assert response.json()["message"] == (
            "A survey report was just sent from this site, so nobody will be asked again for 6 months."
        )

    def test_dismiss_after_a_failed_report_is_a_plain_dismissal(self, admin_client):
        report_at(datetime.now(dt_timezone.utc) - timedelta(minutes=1), state=SURVEY_REPORT_ERROR)
        response = admin_client.post(DISMISS, **JSON)
        assert response.json()["message"].startswith(
            "The survey report banner is dismissed for you only: you will not be asked again for 6 months."
        )

    def test_page_has_the_busy_and_failed_labels(self, admin_client):
        html = banner_html(admin_client)
        assert 'data-busy-label="Sending…">Send report</button>' in html
        assert '<li data-step="sent" data-failed-label="Not sent">Sent</li>' in html
        assert '<li data-step="queued" data-failed-label="Not started">Queued</li>' in html
        assert '<p data-survey-report-call>If you agree and want to send a report' in html
        # The status takes focus when the button it follows disappears (banner.js).
        assert 'aria-atomic="true" tabindex="-1" data-survey-report-status></p>' in html


class TestSetting:
    """SURVEY_REPORT_BANNER_PREVIEW_MINUTES: read at call time, bad values never an error."""

    @pytest.mark.parametrize("value, minutes", [
        (None, 60), ("abc", 60), (0, 60), (-5, 60), (float("nan"), 60), (30, 30), ("15", 15), (2.5, 2.5),
        (10**9, 1440), (float("inf"), 60),
    ])
    def test_values(self, settings, value, minutes):
        settings.SURVEY_REPORT_BANNER_PREVIEW_MINUTES = value
        assert conf.preview_keep() == timedelta(minutes=minutes)

    def test_default(self):
        assert conf.preview_keep() == timedelta(minutes=60)  # The host does not set it.

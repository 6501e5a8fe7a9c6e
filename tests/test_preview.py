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
from survey_report_banner import caching, conf, preview
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
class TestWithoutJavaScript:
    """The click goes back to the page with a message; the next page load shows the values."""

    def test_click_message_then_values_on_the_next_page(self, admin_client, broker):
        response = admin_client.post(PREVIEW, {"next": "/admin/auth/user/?o=1"})
        assert response.status_code == 302 and response["Location"] == "/admin/auth/user/?o=1"
        assert messages_of(response) == [
            "Counting this site's totals on a worker. Nothing is sent or saved. Reload this page in a moment "
            "to see them under “What is sent” in the banner."
        ]
        html = banner_html(admin_client, "/admin/auth/user/")
        status = re.search(r"data-survey-report-preview-status>(.*?)</p>", html, re.S).group(1)
        assert text_of(status) == COUNTING

        with time_machine.travel(datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt_timezone.utc), tick=False):
            compute_report_preview()
            html = banner_html(admin_client, "/admin/auth/user/")
        status = re.search(r"data-survey-report-preview-status>(.*?)</p>", html, re.S).group(1)
        assert text_of(status) == "Counted on March 4, 2026, 5:06 a.m. UTC"
        text = text_of(html)
        assert "registered learners ( registered_learners ): active accounts. On this site: 1" in text
        assert "courses offered ( courses_offered ): courses that have started, have not ended and have more " \
               "than 5 enrollments. On this site: 0" in text
        assert '<div class="survey-report-banner__body" data-survey-report-body>' in html
        json_block = re.search(r"<code data-survey-report-json>(.*?)</code>", html, re.S).group(1)
        assert "&quot;created_at&quot;: &quot;03-04-2026 05:06:07&quot;" in json_block
        assert f"On this site: {SurveyReportAnonymousSiteID.objects.get().id}" in text

    def test_a_second_click_right_after_says_where_the_values_are(self, admin_client, broker):
        preview.compute()
        response = admin_client.post(PREVIEW, {"next": "/admin/"})
        assert messages_of(response) == [
            "This site's totals, counted recently, are under “What is sent” in the banner."
        ]
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
        assert response.json()["message"] == (
            "The survey report banner is dismissed. You will not be asked again for 6 months."
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

"""
Tests of survey_report_banner.views through the real pages: roles, methods, CSRF, redirects.
"""

import re
import time
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from django.utils import timezone
from openedx.features.survey_report.models import SURVEY_REPORT_ERROR, SURVEY_REPORT_GENERATED, SurveyReport

from host.celery import APP
from survey_report_banner.models import SurveyReportBannerDismissal, SurveyReportRequest

from conftest import UNUSABLE_IDS, UNUSABLE_SETTINGS, client_for, make_report

SEND = "/survey-report-banner/send/"
DISMISS = "/survey-report-banner/dismiss/"
TASK = "openedx.features.survey_report.tasks.generate_survey_report"
BANNER = 'id="survey-report-banner"'
NO_TASK = (
    "The survey report could not be requested because this site has no survey report task. "
    "Nothing was sent. Please ask your operator to check the survey report settings."
)
TURNED_OFF = "The survey report banner has been turned off on this site: nothing was sent or recorded."


def message_texts(response):
    """The Django messages stored for the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


# Only active staff superusers may answer the banner; everyone else gets 403 (anonymous included).
POST_STATUS_BY_ROLE = [
    ("anonymous", 403),
    ("active_user", 403),
    ("staff", 403),
    ("superuser_without_staff", 403),
    ("staff_superuser", 302),
    ("inactive_staff_superuser", 403),
]


@pytest.mark.django_db
class TestRoleMatrix:
    """(anonymous, user, staff, superuser without staff, staff superuser, inactive) × (GET, send, dismiss)."""

    @pytest.mark.parametrize("role, status, banner", [
        ("anonymous", 302, False),
        ("active_user", 302, False),
        ("staff", 200, False),
        ("superuser_without_staff", 302, False),
        ("staff_superuser", 200, True),
        ("inactive_staff_superuser", 302, False),
    ])
    def test_get_admin_page(self, role, status, banner):
        response = client_for(role).get("/admin/")
        assert response.status_code == status
        assert (BANNER in response.content.decode()) is banner

    @pytest.mark.parametrize("role, status", POST_STATUS_BY_ROLE)
    def test_post_send(self, role, status, broker):
        response = client_for(role).post(SEND, {"next": "/admin/"})
        assert response.status_code == status
        assert broker() == ([TASK] if status == 302 else [])

    @pytest.mark.parametrize("role, status", POST_STATUS_BY_ROLE)
    def test_post_dismiss(self, role, status):
        response = client_for(role).post(DISMISS, {"next": "/admin/"})
        assert response.status_code == status
        assert SurveyReportBannerDismissal.objects.count() == (1 if status == 302 else 0)


@pytest.mark.django_db
class TestBannerPage:
    """The banner as rendered on real admin pages."""

    def test_login_page_has_no_banner(self):
        response = Client().get("/admin/login/")
        assert response.status_code == 200
        assert BANNER not in response.content.decode()

    def test_non_admin_page_has_no_banner(self, admin_client):
        html = admin_client.get("/dashboard").content.decode()
        assert "Learner dashboard" in html and "LEAK" not in html

    def test_message_word_for_word(self, admin_client):
        html = admin_client.get("/admin/").content.decode()
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        for sentence in (
            "The Open edX Project relies on the collective strength of its community to be a thriving "
            "platform for online education.",
            "Open edX is a dynamic ecosystem and it is used in diverse learning environments. By sharing "
            "anonymized reports of aggregated data, you can contribute to the collective knowledge of the "
            "community. This data can help us all understand the reach of our project, make better decisions "
            "and ultimately support innovation in lifelong learning and advance next generation learning "
            "experience platforms.",
            # The product definition's one typo ("sharing an anonymized reports") is corrected.
            "We invite you to join the Open edX Data Sharing Initiative by sharing anonymized reports of "
            "aggregated data from your institution's usage of the platform. The report data will be sent to "
            "Axim Collaborative, the non-profit behind the Open edX project.",
            "If you agree and want to send a report you can click the button below. You can always send "
            "reports and see the status of reports you have sent in the past at "
            "/admin/survey_report/surveyreport/ .",
        ):
            assert sentence in text

    def test_forms_and_link(self, admin_client):
        html = admin_client.get("/admin/auth/user/?o=1").content.decode()
        assert '<a href="/admin/survey_report/surveyreport/">/admin/survey_report/surveyreport/</a>' in html
        for action, label in ((SEND, "Send report"), (DISMISS, "Dismiss")):
            form = re.search(rf'<form method="post" action="{action}".*?</form>', html, re.S).group(0)
            assert 'name="csrfmiddlewaretoken"' in form
            assert '<input type="hidden" name="next" value="/admin/auth/user/?o=1">' in form
            assert f">{label}</button>" in form
        assert '<link rel="stylesheet" href="/static/survey_report_banner/banner.css">' in html
        assert '<script src="/static/survey_report_banner/banner.js" defer></script>' in html

    def test_static_files_missing_from_the_manifest_degrade_not_500(self, admin_client, monkeypatch):
        """Installed after collectstatic: manifest storage raises; the banner stays usable."""
        from django.contrib.staticfiles.storage import staticfiles_storage

        real_url = staticfiles_storage.url

        def manifest_url(name):
            if name.startswith("survey_report_banner/"):
                raise ValueError(f"Missing staticfiles manifest entry for '{name}'")
            return real_url(name)

        monkeypatch.setattr(staticfiles_storage, "url", manifest_url)
        response = admin_client.get("/admin/")
        html = response.content.decode()
        assert response.status_code == 200 and BANNER in html
        assert "banner.css" not in html and "banner.js" not in html
        assert '<form method="post" action="/survey-report-banner/send/"' in html

    def test_banner_sits_in_the_admin_content_area(self, admin_client):
        html = admin_client.get("/admin/").content.decode()
        assert html.index('id="content-start"') < html.index(BANNER) < html.index('id="content"')
        assert html.count(BANNER) == 1

    def test_platform_userlinks_and_upstream_banner(self, admin_client):
        html = admin_client.get("/admin/").content.decode()
        assert 'id="platform-userlinks-logout"' in html  # the platform's own userlinks block
        assert "originalContent" not in html  # Redwood's own banner is suppressed

    def test_switch_hides_banner(self, admin_client, switch_on):
        assert BANNER not in admin_client.get("/admin/").content.decode()

    def test_switch_flip_takes_effect_next_request(self, admin_client, django_capture_on_commit_callbacks):
        from django.core.management import call_command
        assert BANNER in admin_client.get("/admin/").content.decode()
        # waffle clears its cache when the switch's transaction commits.
        with django_capture_on_commit_callbacks(execute=True):
            call_command("waffle_switch", "survey_report_banner.disable_banner", "on", "--create")
        assert BANNER not in admin_client.get("/admin/").content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("waffle_switch", "survey_report_banner.disable_banner", "off")
        assert BANNER in admin_client.get("/admin/").content.decode()


@pytest.mark.django_db
class TestSend:
    """POST /survey-report-banner/send/."""

    def test_enqueues_once_and_redirects_back(self, admin_client, broker):
        response = admin_client.post(SEND, {"next": "/admin/auth/"})
        assert response.status_code == 302 and response["Location"] == "/admin/auth/"
        assert broker() == [TASK]
        texts = message_texts(response)
        assert len(texts) == 1 and texts[0].startswith("Thank you! The survey report is being generated")
        assert '<a href="/admin/survey_report/surveyreport/">View survey reports</a>' in texts[0]
        lock = SurveyReportRequest.objects.get()
        assert lock.requested_by.username == "admin" and lock.task_id
        # The banner is gone while the report is on its way...
        page = admin_client.get("/admin/auth/").content.decode()
        assert BANNER not in page and "The survey report is being generated" in page

    def test_double_click_enqueues_one_task(self, admin_client, other_superuser, broker):
        admin_client.post(SEND)
        second = Client()
        second.force_login(other_superuser)
        response = second.post(SEND)
        assert broker() == [TASK]
        assert message_texts(response) == [
            "A survey report is already being generated. You can follow its status in the survey report "
            'list. <a href="/admin/survey_report/surveyreport/">View survey reports</a>'
        ]

    def test_after_failed_report_banner_returns_and_send_works_again(self, admin_client, broker):
        admin_client.post(SEND)
        SurveyReport.objects.create(state=SURVEY_REPORT_ERROR)  # the worker picked it up and failed
        assert BANNER in admin_client.get("/admin/").content.decode()
        admin_client.post(SEND)
        assert broker() == [TASK, TASK]

    def test_click_from_a_stale_page_after_the_report_went_out(self, admin_client, broker):
        make_report(timezone.now())
        response = admin_client.post(SEND)
        assert broker() == []
        assert message_texts(response) == [
            "A survey report was already sent recently. You can see it in the survey report list. "
            '<a href="/admin/survey_report/surveyreport/">View survey reports</a>'
        ]

    def test_click_from_a_stale_page_lands_back_on_that_admin_page(self, admin_client, broker):
        make_report(timezone.now())
        response = admin_client.post(SEND, {"next": "/admin/auth/user/?o=1"})
        assert response.status_code == 302 and response["Location"] == "/admin/auth/user/?o=1"
        follow = admin_client.get(response["Location"])
        assert follow.status_code == 200
        assert "A survey report was already sent recently." in follow.content.decode()

    def test_default_redirect_is_report_list(self, admin_client):
        response = admin_client.post(SEND)
        assert response["Location"] == "/admin/survey_report/surveyreport/"

    def test_broker_down(self, admin_client, monkeypatch):
        # Producers use the write URL (the broker URL unless set apart); port 1 refuses connections.
        monkeypatch.setattr(APP.conf, "broker_write_url", "redis://127.0.0.1:1/0")
        started = time.monotonic()
        response = admin_client.post(SEND, {"next": "/admin/"})
        elapsed = time.monotonic() - started
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert elapsed < 5
        assert message_texts(response) == [
            "The survey report could not be requested because the task queue is unreachable. Nothing was "
            "sent. Please try again later, or ask your operator to check the Celery broker."
        ]
        assert not SurveyReportRequest.objects.filter(requested_at__isnull=False).exists()
        assert BANNER in admin_client.get("/admin/").content.decode()

    @pytest.mark.parametrize("setting, value", [
        ("SURVEY_REPORT_BANNER_TASK", "openedx.features.survey_report.tasks.missing"),
        ("SURVEY_REPORT_BANNER_REPORT_MODEL", "survey_report.Missing"),
    ])
    def test_task_or_model_missing(self, admin_client, settings, broker, setting, value):
        """A click from a page loaded before the misconfiguration: a message, never an error page."""
        setattr(settings, setting, value)
        response = admin_client.post(SEND)
        assert response.status_code == 302
        assert "this site has no survey report task" in message_texts(response)[0]
        assert broker() == []

    @pytest.mark.django_db(transaction=True)  # the task runs once the gate's claim is committed
    def test_eager_celery_runs_the_report_inline(self, admin_client, settings):
        """Devstack-style settings (CELERY_ALWAYS_EAGER): the click generates and sends at once."""
        from host.receiver import ReportReceiver

        # Celery's Settings cannot be monkeypatched (no plain attribute to restore): set and reset.
        APP.conf.task_always_eager = True
        try:
            with ReportReceiver() as receiver:
                settings.SURVEY_REPORT_ENDPOINT = receiver.endpoint
                response = admin_client.post(SEND)
                assert response.status_code == 302
                assert len(receiver.wait_for(1, timeout=5)) == 1
        finally:
            APP.conf.task_always_eager = False
        assert SurveyReport.objects.get().state == SURVEY_REPORT_GENERATED
        assert BANNER not in admin_client.get("/admin/").content.decode()

    def test_json_answer(self, admin_client, broker):
        response = admin_client.post(SEND, HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        assert response.json()["status"] == "enqueued"

    def test_the_task_expires_with_the_pending_window_and_has_a_time_limit(self, admin_client, broker, settings):
        """A task queued longer than the pending window never runs; one that runs is stopped."""
        settings.SURVEY_REPORT_BANNER_SEND_TIMEOUT = 120
        with time_machine.travel(datetime(2026, 11, 25, 14, 0, tzinfo=dt_timezone.utc), tick=False):
            admin_client.post(SEND)
        with APP.connection_for_read() as conn:
            queue = conn.SimpleQueue(APP.conf.task_default_queue, no_ack=True)
            try:
                headers = queue.get(block=False).headers
            finally:
                queue.close()
        assert headers["task"] == TASK
        assert headers["expires"] == "2026-11-25T15:00:00+00:00"
        assert headers["timelimit"] == [150.0, 120.0]  # hard (the soft limit + 30 s), soft

    def test_already_sent_json_links_to_the_report_and_says_for_how_long(self, admin_client, broker):
        """Issue 21: a click after another superuser's report went out ends the banner on the same line."""
        report = make_report(timezone.now() - timedelta(days=3))
        data = admin_client.post(SEND, HTTP_ACCEPT="application/json").json()
        assert data["status"] == "already_sent"
        assert data["report_url"] == f"/admin/survey_report/surveyreport/{report.pk}/change/"
        assert data["report_link"] == "See the report"
        assert data["hidden_message"] == "The banner is now hidden for every superuser for 6 months."
        assert broker() == []

    def test_a_report_counted_but_not_yet_delivered_is_on_its_way(self, admin_client, broker):
        """``generated`` without an upload yet: the worker is posting it; a second one would double it."""
        make_report(timezone.now() - timedelta(minutes=5), uploads=[])
        response = admin_client.post(SEND)
        assert broker() == []
        assert message_texts(response)[0].startswith("A survey report is already being generated.")

    def test_a_report_that_never_arrived_does_not_count_as_sent(self, admin_client, broker):
        """``generated``, no upload, past the pending window (a worker killed mid-POST): send again."""
        make_report(timezone.now() - timedelta(minutes=61), uploads=[])
        assert BANNER in admin_client.get("/admin/").content.decode()
        admin_client.post(SEND)
        assert broker() == [TASK]

    def test_too_many_failed_attempts_within_the_hour(self, admin_client, broker):
        """After three failed attempts in an hour, a fourth is refused and says when it can be made."""
        start = datetime(2026, 11, 25, 14, 0, tzinfo=dt_timezone.utc)
        for minute in (0, 1, 2):
            with time_machine.travel(start + timedelta(minutes=minute), tick=False):
                assert admin_client.post(SEND).status_code == 302
                make_report(start + timedelta(minutes=minute, seconds=10), state=SURVEY_REPORT_ERROR)
        assert broker() == [TASK, TASK, TASK]  # the first failure did not stop "Try again"
        with time_machine.travel(start + timedelta(minutes=30), tick=False):
            response = admin_client.post(SEND, {"next": "/admin/"})
            assert response.status_code == 302 and response["Location"] == "/admin/"
            assert message_texts(response)[-1] == (
                "Sending the survey report failed several times within the last hour, so nothing was sent "
                "now. You can try again after 3 p.m. UTC."
            )
            as_json = admin_client.post(SEND, HTTP_ACCEPT="application/json")
            assert as_json.status_code == 429 and as_json["Retry-After"] == str(30 * 60)
            assert as_json.json()["status"] == "too_soon"
            assert as_json.json()["retry_at"] == "2026-11-25T15:00:00+00:00"
            in_spanish = admin_client.post(SEND, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="es")
            assert in_spanish.json()["message"] == (
                "El envío del informe de encuesta falló varias veces en la última hora, así que no se envió nada "
                "ahora. Puede volver a intentarlo después de las 15:00 UTC."
            )
        assert broker() == []
        with time_machine.travel(start + timedelta(hours=1), tick=False):
            admin_client.post(SEND)  # an hour after the first attempt: allowed again
        assert broker() == [TASK]


DISMISSED = (
    "The survey report banner is dismissed for you only: you will not be asked again for 6 months. Other superusers "
    "still see it. You can still send a report at any time from the survey report list: "
    "/admin/survey_report/surveyreport/."
)


@pytest.mark.django_db
class TestDismiss:
    """POST /survey-report-banner/dismiss/."""

    def test_records_and_hides_for_this_user_only(self, admin_client, other_superuser):
        response = admin_client.post(DISMISS, {"next": "/admin/auth/user/"})
        assert response.status_code == 302 and response["Location"] == "/admin/auth/user/"
        # For this superuser only, and where a report can still be sent: the list's URL, linked.
        assert message_texts(response)[-1:] == [
            "The survey report banner is dismissed for you only: you will not be asked again for 6 months. Other "
            "superusers still see it. You can still send a report at any time from the survey report list: "
            '<a href="/admin/survey_report/surveyreport/">/admin/survey_report/surveyreport/</a>.'
        ]
        dismissal = SurveyReportBannerDismissal.objects.get()
        assert dismissal.user.username == "admin"
        assert BANNER not in admin_client.get("/admin/").content.decode()
        # Another browser of the same user: still hidden (stored server side, not in a cookie).
        same_user_elsewhere = Client()
        same_user_elsewhere.force_login(dismissal.user)
        assert BANNER not in same_user_elsewhere.get("/admin/").content.decode()
        other = Client()
        other.force_login(other_superuser)
        assert BANNER in other.get("/admin/").content.decode()

    def test_repeated_clicks_keep_one_row_per_user_moved_to_the_last(self, admin_client, other_superuser):
        first = datetime(2026, 3, 1, 9, 0, tzinfo=dt_timezone.utc)
        for day in range(4):
            with time_machine.travel(first + timedelta(days=day), tick=False):
                assert admin_client.post(DISMISS).status_code == 302
        other = Client()
        other.force_login(other_superuser)
        other.post(DISMISS)
        assert SurveyReportBannerDismissal.objects.count() == 2
        assert SurveyReportBannerDismissal.objects.get(user__username="admin").dismissed_at == first + timedelta(days=3)
        # The last click counts: six months from it, not from the first.
        with time_machine.travel(datetime(2026, 9, 2, 9, 0, tzinfo=dt_timezone.utc), tick=False):
            assert BANNER not in admin_client.get("/admin/").content.decode()
        with time_machine.travel(datetime(2026, 9, 4, 9, 1, tzinfo=dt_timezone.utc), tick=False):
            assert BANNER in admin_client.get("/admin/").content.decode()

    def test_json_answer(self, admin_client):
        response = admin_client.post(DISMISS, HTTP_ACCEPT="application/json")
        assert response.json() == {
            "status": "dismissed",
            "message": DISMISSED,
            "reports_url": "/admin/survey_report/surveyreport/",
        }

    @pytest.mark.parametrize("months, unit", [(1, "month"), (2, "months")])
    def test_months_in_singular_and_plural(self, admin_client, settings, months, unit):
        settings.SURVEY_REPORT_CHECK_THRESHOLD = months
        message = admin_client.post(DISMISS, HTTP_ACCEPT="application/json").json()["message"]
        assert f"you will not be asked again for {months} {unit}. Other superusers" in message

    def test_without_the_report_admin_nothing_says_where(self, admin_client, monkeypatch):
        monkeypatch.setattr("survey_report_banner.api.reports_url", lambda urlconf=None: None)
        response = admin_client.post(DISMISS, HTTP_ACCEPT="application/json")
        assert response.json() == {
            "status": "dismissed", "reports_url": None,
            "message": "The survey report banner is dismissed for you only: you will not be asked again for 6 "
                       "months. Other superusers still see it.",
        }


@pytest.mark.django_db
class TestRequestHygiene:
    """Methods, CSRF, next, switch."""

    @pytest.mark.parametrize("url", [SEND, DISMISS])
    @pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
    def test_only_post(self, admin_client, url, method):
        assert getattr(admin_client, method)(url).status_code == 405

    @pytest.mark.parametrize("url", [SEND, DISMISS])
    def test_csrf_enforced(self, superuser, url, broker):
        client = Client(enforce_csrf_checks=True)
        client.force_login(superuser)
        assert client.post(url).status_code == 403
        client.get("/admin/")
        token = client.cookies["csrftoken"].value
        assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302

    @pytest.mark.parametrize("hostile", [
        "https://evil.example/",
        "//evil.example/admin/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "https:///evil.example",
        " //evil.example",
    ])
    @pytest.mark.parametrize("url, fallback", [
        (SEND, "/admin/survey_report/surveyreport/"),
        (DISMISS, "/admin/"),
    ])
    def test_hostile_next_is_ignored(self, admin_client, hostile, url, fallback, broker):
        response = admin_client.post(url, {"next": hostile})
        assert response.status_code == 302
        assert response["Location"] == fallback

    @pytest.mark.parametrize("url", [SEND, DISMISS])
    def test_switch_on_lands_back_with_a_message(self, admin_client, switch_on, url, broker):
        """A click on a banner loaded before the operator switched it off: no bare "Not Found"."""
        response = admin_client.post(url, {"next": "/admin/auth/user/"})
        assert response.status_code == 302 and response["Location"] == "/admin/auth/user/"
        assert message_texts(response) == [TURNED_OFF]
        assert broker() == [] and not SurveyReportBannerDismissal.objects.exists()
        assert not SurveyReportRequest.objects.filter(requested_at__isnull=False).exists()
        page = admin_client.get("/admin/auth/user/").content.decode()
        assert TURNED_OFF in page and BANNER not in page

    @pytest.mark.parametrize("url", [SEND, DISMISS])
    @override_settings(SURVEY_REPORT_ENABLE=False)
    def test_reports_disabled_lands_back_on_the_admin_index(self, admin_client, url):
        response = admin_client.post(url, {"next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert message_texts(response) == [TURNED_OFF]

    @pytest.mark.parametrize("url", [SEND, DISMISS])
    def test_switch_on_json_callers_get_json(self, admin_client, switch_on, url):
        response = admin_client.post(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 409
        assert response.json() == {"status": "turned_off", "message": TURNED_OFF}

    @pytest.mark.parametrize("role", ["anonymous", "staff", "superuser_without_staff", "inactive_staff_superuser"])
    @pytest.mark.parametrize("url", [SEND, DISMISS])
    def test_switch_on_is_still_403_for_everyone_else(self, switch_on, role, url):
        assert client_for(role).post(url).status_code == 403


@pytest.mark.django_db
class TestUnusableTaskOrModel:
    """
    Issue 20: with a task or model setting that names nothing usable (the system checks say
    which), admin pages have no banner and every button answers in words, never with a 500.
    """

    @pytest.mark.parametrize("name, value, check_id, message", UNUSABLE_SETTINGS, ids=UNUSABLE_IDS)
    def test_pages_and_buttons(self, admin_client, settings, broker, name, value, check_id, message):
        setattr(settings, name, value)
        for page in ("/admin/", "/admin/survey_report/surveyreport/"):
            response = admin_client.get(page)
            assert response.status_code == 200 and BANNER not in response.content.decode()

        response = admin_client.post(SEND)  # a click from a page loaded before the change
        assert response.status_code == 302 and message_texts(response) == [NO_TASK]
        response = admin_client.post(SEND, HTTP_ACCEPT="application/json")
        assert response.status_code == 503
        assert response.json() == {"status": "task_unavailable", "message": NO_TASK}
        # Upstream's "Generate Report" button, through the guard: the same answer.
        response = admin_client.post("/survey_report/generate_report")
        assert response.status_code == 302 and message_texts(response)[-1] == NO_TASK  # the earlier ones unread
        assert broker() == [] and not SurveyReportRequest.objects.filter(requested_at__isnull=False).exists()

        response = admin_client.post(DISMISS)
        assert response.status_code == 302
        assert message_texts(response)[-1].startswith(
            "The survey report banner is dismissed for you only: you will not be asked again for 6 months. "
            "Other superusers still see it."
        )
        assert SurveyReportBannerDismissal.objects.count() == 1

        response = admin_client.get("/survey-report-banner/status/")
        assert response.status_code in (200, 503) and response.json()["message"]

    @pytest.mark.parametrize("value", [None, "auth.Group"])
    def test_status_of_a_report_requested_before(self, admin_client, settings, broker, value):
        assert admin_client.post(SEND).status_code == 302
        settings.SURVEY_REPORT_BANNER_REPORT_MODEL = value
        response = admin_client.get("/survey-report-banner/status/")
        assert response.status_code == 503
        assert response.json() == {"status": "task_unavailable", "message": NO_TASK}

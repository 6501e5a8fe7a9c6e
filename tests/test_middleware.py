"""
Tests of survey_report_banner.middleware: edx-platform's own "Generate Report" endpoint, guarded.

``POST /survey_report/generate_report`` is upstream's view (the host mounts the stand-in where
lms/urls.py does); these tests go through it the way users do, by role, and read what they get:
the status, the page they land on, and whether anything was enqueued.
"""

import re

import pytest
from django.test import Client, override_settings
from openedx.features.survey_report.models import SurveyReport

from host.celery import APP
from survey_report_banner.models import SurveyReportAttempt, SurveyReportRequest

from conftest import client_for

GENERATE = "/survey_report/generate_report"
REPORTS = "/admin/survey_report/surveyreport/"
SEND = "/survey-report-banner/send/"
TASK = "openedx.features.survey_report.tasks.generate_survey_report"
ENQUEUED = (
    "Thank you! The survey report is being generated and will be sent in a few minutes. "
    "You can follow its status in the survey report list."
)
ALREADY_PENDING = "A survey report is already being generated. You can follow its status in the survey report list."
FORBIDDEN = "Only active staff superusers can generate survey reports."


def nothing_requested():
    """No request recorded by the once-only gate, and no report row created."""
    return (
        not SurveyReportRequest.objects.filter(requested_at__isnull=False).exists()
        and not SurveyReport.objects.exists()
    )


def page_messages(html):
    """The texts of Django admin's messages on a rendered page."""
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'<li class="[^"]*">(.*?)</li>', html, re.S)]


@pytest.mark.django_db
class TestRoleMatrix:
    """Who may POST to upstream's endpoint, and what each gets."""

    @pytest.mark.parametrize("role", ["active_user", "staff", "superuser_without_staff"])
    def test_logged_in_but_not_an_active_staff_superuser_is_403(self, role, broker):
        response = client_for(role).post(GENERATE)
        assert response.status_code == 403
        assert response.content.decode() == FORBIDDEN
        assert broker() == [] and nothing_requested()

    @pytest.mark.parametrize("role", ["anonymous", "inactive_staff_superuser"])
    def test_not_logged_in_goes_to_login_as_upstream(self, role, broker):
        """An inactive account is not authenticated: upstream's login_required redirect, as before."""
        response = client_for(role).post(GENERATE)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next={GENERATE}"
        assert broker() == [] and nothing_requested()

    def test_active_staff_superuser_lands_on_the_report_list_with_the_message(self, admin_client, broker):
        response = admin_client.post(GENERATE, follow=True)
        assert response.redirect_chain == [(REPORTS, 302)]
        assert broker() == [TASK]
        assert page_messages(response.content.decode()) == [ENQUEUED]
        lock = SurveyReportRequest.objects.get()
        assert lock.requested_by.username == "admin" and lock.task_id


@pytest.mark.django_db
class TestOnceOnlyGate:
    """The same gate as *Send report*: one task however many clicks, bounded broker timeout."""

    def test_double_click_enqueues_one_task(self, admin_client, other_superuser, broker):
        admin_client.post(GENERATE)
        second = Client()
        second.force_login(other_superuser)
        response = second.post(GENERATE, follow=True)
        assert broker() == [TASK]
        assert page_messages(response.content.decode()) == [ALREADY_PENDING]

    def test_after_send_report_from_the_banner(self, admin_client, broker):
        admin_client.post(SEND, follow=True)  # the banner's button, its message read
        response = admin_client.post(GENERATE, follow=True)
        assert broker() == [TASK]
        assert page_messages(response.content.decode()) == [ALREADY_PENDING]

    def test_bounded_while_sending_fails_and_recorded_as_its_path(self, admin_client, broker):
        for _ in range(3):
            admin_client.post(GENERATE)
            SurveyReport.objects.create(state="error")  # the worker ran it, and the POST failed
        response = admin_client.post(GENERATE, follow=True)
        assert broker() == [TASK] * 3
        text = page_messages(response.content.decode())[-1]
        assert text.startswith("Sending the survey report failed several times within the last hour, so nothing "
                               "was sent now. You can try again after ")
        assert set(SurveyReportAttempt.objects.values_list("trigger", flat=True)) == {"endpoint"}

    def test_broker_down(self, admin_client, monkeypatch):
        monkeypatch.setattr(APP.conf, "broker_write_url", "redis://127.0.0.1:1/0")
        response = admin_client.post(GENERATE, follow=True)
        assert response.redirect_chain == [(REPORTS, 302)]
        assert page_messages(response.content.decode()) == [
            "The survey report could not be requested because the task queue is unreachable. Nothing was "
            "sent. Please try again later, or ask your operator to check the Celery broker."
        ]
        assert nothing_requested()

    @override_settings(SURVEY_REPORT_BANNER_TASK="openedx.features.survey_report.tasks.missing")
    def test_task_missing(self, admin_client, broker):
        response = admin_client.post(GENERATE, follow=True)
        assert "this site has no survey report task" in page_messages(response.content.decode())[0]
        assert broker() == [] and nothing_requested()

    def test_banner_switched_off_does_not_stop_the_report_list(self, admin_client, switch_on, broker):
        """The kill switch turns the banner off; the report list's own button keeps working."""
        assert admin_client.post(GENERATE).status_code == 302
        assert broker() == [TASK]


@pytest.mark.django_db
class TestTheReportListButton:
    """The rendered report list, its "Generate Report" form, and Django's CSRF check."""

    def test_pressing_the_button(self, superuser, broker):
        client = Client(enforce_csrf_checks=True)
        client.force_login(superuser)
        html = client.get(REPORTS).content.decode()
        form = re.search(r'<form method="post" action="([^"]+)" id="generate-survey-report">(.*?)</form>', html, re.S)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(2)).group(1)
        response = client.post(form.group(1), {"csrfmiddlewaretoken": token}, follow=True)
        assert form.group(1) == GENERATE
        assert response.redirect_chain == [(REPORTS, 302)]
        assert page_messages(response.content.decode()) == [ENQUEUED]
        assert broker() == [TASK]

    @pytest.mark.parametrize("role", ["staff_superuser", "active_user"])
    def test_csrf_missing_is_403_for_everyone(self, role, broker):
        client = client_for(role)
        client.handler.enforce_csrf_checks = True
        response = client.post(GENERATE)
        assert response.status_code == 403
        assert "CSRF" in response.content.decode()
        assert broker() == [] and nothing_requested()


@pytest.mark.django_db
class TestLeftToUpstream:
    """What the guard does not answer."""

    @pytest.mark.parametrize("role", ["staff_superuser", "active_user"])
    @pytest.mark.parametrize("method", ["get", "put", "delete"])
    def test_other_methods_are_405(self, role, method, broker):
        assert getattr(client_for(role), method)(GENERATE).status_code == 405
        assert broker() == []

    @override_settings(SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT=False)
    def test_setting_off_leaves_the_endpoint_open_to_learners(self, broker):
        response = client_for("active_user").post(GENERATE)
        assert response.status_code == 302 and response["Location"] == REPORTS
        # Upstream's view: straight to the broker, no once-only gate, no message.
        assert broker() == [TASK]
        assert not SurveyReportRequest.objects.filter(requested_at__isnull=False).exists()

    @override_settings(SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT=False)
    def test_setting_off_repeated_posts_each_enqueue(self, admin_client, broker):
        admin_client.post(GENERATE)
        admin_client.post(GENERATE)
        assert broker() == [TASK, TASK]


@pytest.mark.django_db
class TestReportsDisabled:
    """``SURVEY_REPORT_ENABLE = False``: upstream's report list is gone; nobody generates through the guard."""

    @pytest.fixture(autouse=True)
    def _disabled(self, settings):
        settings.SURVEY_REPORT_ENABLE = False

    def test_superuser_404(self, admin_client, broker):
        assert admin_client.post(GENERATE).status_code == 404
        assert broker() == []

    def test_learner_still_403(self, broker):
        assert client_for("active_user").post(GENERATE).status_code == 403
        assert broker() == []

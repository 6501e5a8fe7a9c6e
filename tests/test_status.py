"""
Tests of survey_report_banner.status and of the status endpoint the banner's script polls.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SURVEY_REPORT_PROCESSING,
    SurveyReport,
    SurveyReportUpload,
)

from survey_report_banner.models import SurveyReportAttempt, SurveyReportRequest
from survey_report_banner.status import ReportState, last_request_status

from conftest import client_for

STATUS = "/survey-report-banner/status/"


def requested(at=None):
    """Record a *Send report* claim at ``at`` (now by default), as the send gate does."""
    at = at or timezone.now()
    newest = SurveyReport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    SurveyReportRequest.objects.update_or_create(pk=1, defaults={
        "requested_at": at, "task_id": "t-1", "trigger": "banner", "after_report_id": newest,
        "busy_until": at + timedelta(minutes=60),
    })
    return at


def report(state, created_at=None, uploads=()):
    """A report row made by the task (``save()``), with upload answers ``uploads`` (status codes)."""
    with time_machine.travel(created_at or timezone.now() + timedelta(seconds=1), tick=False):
        row = SurveyReport.objects.create(state=state)
    for code in uploads:
        SurveyReportUpload.objects.create(report=row, status_code=code)
    return row


@pytest.mark.django_db
class TestLastRequestStatus:
    """From the request row and the report row created after it."""

    def test_nothing_requested(self):
        assert last_request_status().state is ReportState.NONE
        SurveyReportRequest.objects.create(pk=1)  # The lock row exists before any click.
        assert last_request_status().state is ReportState.NONE

    def test_queued_until_a_worker_creates_the_row(self):
        at = requested()
        status = last_request_status()
        assert status.state is ReportState.QUEUED and status.requested_at == at and status.created_at is None

    def test_a_report_older_than_the_request_is_not_its_answer(self):
        report(SURVEY_REPORT_ERROR, created_at=timezone.now() - timedelta(minutes=5))
        requested()
        assert last_request_status().state is ReportState.QUEUED

    @pytest.mark.parametrize("state, uploads, expected", [
        (SURVEY_REPORT_PROCESSING, (), ReportState.GENERATING),
        # Counted, not posted yet: upstream posts after moving the row to "generated".
        (SURVEY_REPORT_GENERATED, (), ReportState.GENERATING),
        (SURVEY_REPORT_GENERATED, (201,), ReportState.SENT),
        (SURVEY_REPORT_GENERATED, (500, 200), ReportState.SENT),
        (SURVEY_REPORT_GENERATED, (503,), ReportState.GENERATING),  # No 2xx yet, within the window.
        (SURVEY_REPORT_GENERATED, (200, 503), ReportState.SENT),  # Any 2xx upload: it arrived.
        (SURVEY_REPORT_ERROR, (), ReportState.FAILED),
        (SURVEY_REPORT_ERROR, (502,), ReportState.FAILED),
        (SURVEY_REPORT_ERROR, (502, 200), ReportState.SENT),  # Delivered again from upstream's admin.
    ])
    def test_report_row_decides(self, state, uploads, expected):
        requested()
        row = report(state, uploads=uploads)
        status = last_request_status()
        assert status.state is expected
        assert status.created_at == row.created_at

    def test_the_attempts_own_row_answers(self):
        """The first row above the claim is the one its task created; a later one is another attempt's."""
        requested()
        own = report(SURVEY_REPORT_ERROR)
        report(SURVEY_REPORT_GENERATED, created_at=timezone.now() + timedelta(seconds=5), uploads=(200,))
        status = last_request_status()
        assert (status.state, status.created_at) == (ReportState.FAILED, own.created_at)

    def test_the_row_is_found_by_pk_not_by_the_clock(self):
        """A worker whose clock runs behind the web server's still answers the click."""
        requested()
        row = report(SURVEY_REPORT_GENERATED, created_at=timezone.now() - timedelta(seconds=30), uploads=(200,))
        assert last_request_status().state is ReportState.SENT and row.pk

    def test_a_request_never_picked_up_fails_after_the_pending_window(self):
        at = requested(timezone.now() - timedelta(minutes=61))
        status = last_request_status()
        assert status.state is ReportState.FAILED and status.lost and status.requested_at == at

    @pytest.mark.parametrize("state", [SURVEY_REPORT_PROCESSING, SURVEY_REPORT_GENERATED])
    def test_a_report_left_on_its_way_fails_after_the_pending_window(self, state):
        """A worker killed mid-POST leaves ``generated`` and no upload: not "Generating" forever."""
        requested(timezone.now() - timedelta(minutes=70))
        report(state, created_at=timezone.now() - timedelta(minutes=69))
        assert last_request_status().state is ReportState.FAILED

    def test_a_few_small_queries(self, django_assert_max_num_queries):
        requested()
        report(SURVEY_REPORT_GENERATED, uploads=(200,))
        with django_assert_max_num_queries(4):
            last_request_status()

    def test_a_failure_costs_one_query_more_for_its_cause(self, django_assert_max_num_queries):
        requested()
        report(SURVEY_REPORT_ERROR)
        with django_assert_max_num_queries(6):  # Not delivered, not on its way, and its cause.
            last_request_status()


@pytest.mark.django_db
class TestStatusEndpoint:
    """GET /survey-report-banner/status/: superusers only, JSON, never cached."""

    @pytest.mark.parametrize("role", [
        "anonymous", "active_user", "staff", "superuser_without_staff", "inactive_staff_superuser",
    ])
    def test_everyone_else_is_refused(self, role):
        response = client_for(role).get(STATUS)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"
        assert "superusers" in response.json()["message"]

    def test_never_cached_and_get_only(self, admin_client):
        response = admin_client.get(STATUS)
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
        assert admin_client.post(STATUS).status_code == 405

    def test_none(self, admin_client):
        assert admin_client.get(STATUS).json() == {
            "state": "none",
            "message": "No survey report was requested from the banner yet.",
            "requested_at": None,
            "created_at": None,
            "reports_url": "/admin/survey_report/surveyreport/",
            "cause": "",
        }

    @pytest.mark.parametrize("state, uploads, expected, message", [
        (None, (), "queued", "Queued: waiting for a worker to generate the survey report."),
        (SURVEY_REPORT_PROCESSING, (), "generating",
         "Generating the survey report and sending it to Axim Collaborative."),
        (SURVEY_REPORT_GENERATED, (200,), "sent", "Sent. Thank you for sharing the survey report!"),
        (SURVEY_REPORT_ERROR, (), "failed",
         "The survey report could not be generated or sent. You can try again."),
    ])
    def test_states(self, admin_client, state, uploads, expected, message):
        at = requested()
        row = report(state, uploads=uploads) if state else None
        data = admin_client.get(STATUS).json()
        assert data["state"] == expected and data["message"] == message
        assert data["requested_at"] == at.isoformat()
        assert data["created_at"] == (row.created_at.isoformat() if row else None)

    def test_lost_request_says_so(self, admin_client):
        requested(timezone.now() - timedelta(hours=2))
        data = admin_client.get(STATUS).json()
        assert data["state"] == "failed"
        assert data["message"].startswith("No worker picked up the survey report in time")

    def test_spanish(self, admin_client):
        requested()
        data = admin_client.get(STATUS, HTTP_ACCEPT_LANGUAGE="es").json()
        assert data["message"] == "En cola: esperando a que un proceso en segundo plano genere el informe de encuesta."

    def test_still_answers_when_the_banner_is_switched_off(self, admin_client, switch_on):
        requested()
        assert admin_client.get(STATUS).json()["state"] == "queued"

    def failed_with(self, cause, state=SURVEY_REPORT_ERROR):
        at = requested()
        SurveyReportAttempt.objects.create(attempted_at=at, trigger="banner", task_id="t-1", cause=cause)
        return report(state)

    @pytest.mark.parametrize("cause, state, message", [
        ("http:503", SURVEY_REPORT_ERROR,
         "The survey report was generated but not sent: the endpoint answered HTTP 503. You can try again."),
        ("refused", SURVEY_REPORT_ERROR,
         "The survey report was generated but not sent: the endpoint refused the connection. You can try again."),
        ("unrecorded", SURVEY_REPORT_ERROR,
         "The survey report was generated and the endpoint accepted it, but openedx-platform could not record "
         "the answer, so it does not count as sent. You can try again."),
        ("", SURVEY_REPORT_ERROR, "The survey report could not be generated or sent. You can try again."),
    ])
    def test_a_failure_says_what_is_known(self, admin_client, cause, state, message):
        """Issue 21: the attempt's cause (recorded by the worker) and the row's state, not a guess."""
        self.failed_with(cause, state)
        data = admin_client.get(STATUS).json()
        assert data["state"] == "failed" and data["message"] == message and data["cause"] == cause

    def test_a_failure_in_spanish(self, admin_client):
        self.failed_with("http:503")
        assert admin_client.get(STATUS, HTTP_ACCEPT_LANGUAGE="es").json()["message"] == (
            "El informe de encuesta se generó, pero no se envió: el servidor de destino respondió HTTP 503. "
            "Puede volver a intentarlo."
        )

    def test_another_attempts_cause_is_not_this_ones(self, admin_client):
        """An older attempt's cause is not this one's (the claim's time and task identify it)."""
        SurveyReportAttempt.objects.create(attempted_at=timezone.now() - timedelta(hours=3), trigger="banner",
                                           task_id="t-0", cause="refused")
        requested()
        report(SURVEY_REPORT_ERROR)
        assert admin_client.get(STATUS).json()["cause"] == ""

    @pytest.mark.parametrize("months, hidden", [
        (6, "The banner is now hidden for every superuser for 6 months."),
        (1, "The banner is now hidden for every superuser for 1 month."),
    ])
    def test_sent_links_to_the_report_and_says_for_how_long(self, admin_client, settings, months, hidden):
        """Issue 21: the banner's one confirmation line links to the report and says how long it is hidden."""
        settings.SURVEY_REPORT_CHECK_THRESHOLD = months
        requested()
        row = report(SURVEY_REPORT_GENERATED, uploads=(200,))
        data = admin_client.get(STATUS).json()
        assert data["state"] == "sent" and data["cause"] == ""
        assert data["report_url"] == f"/admin/survey_report/surveyreport/{row.pk}/change/"
        assert data["report_link"] == "See the report"
        assert data["hidden_message"] == hidden

    def test_sent_in_spanish(self, admin_client):
        requested()
        report(SURVEY_REPORT_GENERATED, uploads=(200,))
        data = admin_client.get(STATUS, HTTP_ACCEPT_LANGUAGE="es").json()
        assert data["report_link"] == "Ver el informe"
        assert data["hidden_message"] == "El aviso queda oculto para todos los superusuarios durante 6 meses."

    def test_after_a_real_click(self, superuser, broker):
        client = Client()
        client.force_login(superuser)
        client.post("/survey-report-banner/send/", HTTP_ACCEPT="application/json")
        assert broker() == ["openedx.features.survey_report.tasks.generate_survey_report"]
        assert client.get(STATUS).json()["state"] == "queued"


@pytest.mark.django_db
def test_report_models_without_uploads_count_generated_as_sent(monkeypatch):
    """Older releases (or a configured model) have no upload rows: ``generated`` is final."""
    monkeypatch.setattr("survey_report_banner.reports.UPLOADS", "no_such_relation")
    requested()
    report(SURVEY_REPORT_GENERATED)
    assert last_request_status().state is ReportState.SENT


@pytest.mark.django_db
def test_database_fault_answers_json_503(admin_client, monkeypatch):
    """Tables missing (installed before ``migrate``): the script gets JSON and keeps polling."""
    from django.db import ProgrammingError  # pylint: disable=import-outside-toplevel

    def broken(now=None):
        raise ProgrammingError("no such table: survey_report_banner_surveyreportrequest")

    monkeypatch.setattr("survey_report_banner.status.last_request_status", broken)
    response = admin_client.get(STATUS)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"

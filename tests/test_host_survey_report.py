"""
The host's stand-in for edx-platform's survey_report app behaves as upstream does where users meet it.

The banner's rules rest on these behaviours, so they are pinned here: the task never raises (a
failure is only the row's ``error`` state), an upload is recorded only when the endpoint accepts
the report, the report list has the "Generate Report" button, and its action re-sends a report
without touching its state.
"""

import logging

import pytest
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SurveyReport,
    SurveyReportUpload,
)
from openedx.features.survey_report.tasks import generate_survey_report

REPORTS = "/admin/survey_report/surveyreport/"


@pytest.mark.django_db
class TestTask:
    """``generate_survey_report`` as a worker runs it."""

    def test_sent(self, receiver):
        result = generate_survey_report.apply()
        assert result.successful() and result.result is None
        report = SurveyReport.objects.get()
        assert report.state == SURVEY_REPORT_GENERATED
        upload = SurveyReportUpload.objects.get()
        assert (upload.report_id, upload.status_code, upload.request_details) == (
            report.pk, 200, "b'{\"received\": true}'"
        )  # upstream hands the answer's bytes to a CharField, which stores their repr

    def test_refused_is_logged_not_raised(self, refusing_receiver, caplog):
        with caplog.at_level(logging.INFO, logger="edx.celery.task"):
            result = generate_survey_report.apply()
        assert result.successful() and result.result is None
        assert SurveyReport.objects.get().state == SURVEY_REPORT_ERROR
        assert not SurveyReportUpload.objects.exists()  # raise_for_status() comes before the record
        assert [r.getMessage() for r in caplog.records if r.name == "edx.celery.task"] == [
            "Started - generate survey report", "Error - generate survey report",
        ]
        assert len(refusing_receiver.payloads) == 1

    def test_disabled_site_creates_no_row(self, settings, receiver):
        settings.SURVEY_REPORT_ENABLE = False
        assert generate_survey_report.apply().successful()
        assert not SurveyReport.objects.exists() and receiver.payloads == []


@pytest.mark.django_db
class TestReportList:
    """``/admin/survey_report/surveyreport/`` as a superuser sees it."""

    def test_generate_report_button(self, admin_client):
        html = admin_client.get(REPORTS).content.decode()
        form = html[html.index('<form method="post" action="/survey_report/generate_report"'):]
        form = form[:form.index("</form>")]
        assert 'name="csrfmiddlewaretoken"' in form
        assert ">Generate Report</button>" in form

    def test_send_action_resends_without_changing_the_state(self, admin_client, receiver, worker):
        report = SurveyReport.objects.create(state=SURVEY_REPORT_ERROR)
        page = admin_client.get(REPORTS).content.decode()
        assert "Send report to external API" in page and "<td class=\"field-report_state\">Error</td>" in page
        response = admin_client.post(REPORTS, {"action": "send_report", "_selected_action": [report.pk]})
        assert response.status_code == 302
        assert worker() == ["survey_report_banner.tasks.resend_survey_report"]  # the banner's guarded re-send
        assert len(receiver.wait_for(1, timeout=5)) == 1
        assert SurveyReport.objects.get().state == SURVEY_REPORT_ERROR
        assert SurveyReportUpload.objects.get().status_code == 200
        assert "<td class=\"field-report_state\">Sent</td>" in admin_client.get(REPORTS).content.decode()

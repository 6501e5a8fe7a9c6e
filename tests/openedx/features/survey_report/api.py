"""Report generation and sending, following edx-platform's api.py and tasks.py."""

import json

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import SURVEY_REPORT_ERROR, SURVEY_REPORT_GENERATED, SurveyReport, SurveyReportUpload


def get_report_data():
    """Real counts from this site's database (the host has users, not courses)."""
    users = get_user_model().objects
    return {
        "courses_offered": 0,
        "learners": users.filter(last_login__gte=timezone.now() - timezone.timedelta(weeks=4)).count(),
        "registered_learners": users.count(),
        "enrollments": 0,
        "generated_certificates": 0,
        "extra_data": getattr(settings, "SURVEY_REPORT_EXTRA_DATA", {}),
    }


def update_report(survey_report_id, data):
    """Upstream moves the report's state with update(): no model signal is sent."""
    SurveyReport.objects.filter(id=survey_report_id).update(**data)


def send_report_to_external_api(survey_report_id):
    """
    POST the report as JSON; raise when the endpoint refuses it, else record the upload.

    As upstream: the upload is recorded only after ``raise_for_status()``, so a refused or failed
    POST leaves no ``SurveyReportUpload`` row, and ``request_details`` keeps the endpoint's answer.
    """
    report = SurveyReport.objects.get(id=survey_report_id)
    payload = {
        "courses_offered": report.courses_offered,
        "learners": report.learners,
        "registered_learners": report.registered_learners,
        "enrollments": report.enrollments,
        "generated_certificates": report.generated_certificates,
        "extra_data": report.extra_data,
        "created_at": report.created_at.isoformat(),
    }
    if not getattr(settings, "ANONYMOUS_SURVEY_REPORT", False):
        payload["site_name"] = getattr(settings, "LMS_BASE", "")
    response = requests.post(settings.SURVEY_REPORT_ENDPOINT, data=json.dumps(payload),
                             headers={"Content-Type": "application/json"}, timeout=10)
    response.raise_for_status()
    SurveyReportUpload.objects.create(report=report, status_code=response.status_code,
                                      request_details=response.content.decode(errors="replace"))


def generate_report():
    """Create the row (save → processing), fill it (update → generated), send it (error if not)."""
    if not settings.SURVEY_REPORT_ENABLE:
        raise Exception("Survey report generation is not enabled")  # pylint: disable=broad-exception-raised
    report = SurveyReport()
    report.save()
    try:
        data = get_report_data()
        data["state"] = SURVEY_REPORT_GENERATED
        update_report(report.id, data)
        send_report_to_external_api(report.id)
    except Exception as error:
        update_report(report.id, {"state": SURVEY_REPORT_ERROR})
        # Upstream wraps whatever went wrong in a bare Exception; its task logs and swallows it.
        raise Exception(error) from error  # pylint: disable=broad-exception-raised
    return report.id

"""
Report generation and sending, following edx-platform's ``openedx/features/survey_report/api.py``.

Kept as upstream has it, faults included: ``send_report_to_external_api`` POSTs with **no timeout**
(a silent endpoint hangs the caller), records a ``SurveyReportUpload`` only after a 2xx, and
``generate_report`` moves the row to ``error`` on any exception, wrapping it in a bare
``Exception``. The banner must cope with exactly this code, so the stand-in must not be kinder.
"""

import requests
from django.conf import settings
from django.forms.models import model_to_dict

from .models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SurveyReport,
    SurveyReportAnonymousSiteID,
    SurveyReportUpload,
)
from .queries import (
    get_course_enrollments,
    get_generated_certificates,
    get_recently_active_users,
    get_registered_learners,
    get_unique_courses_offered,
)

MAX_WEEKS_SINCE_LAST_LOGIN = 4


def get_report_data():
    """The five totals and the operator's extra data, counted now (upstream's queries)."""
    return {
        "courses_offered": get_unique_courses_offered(),
        "learners": get_recently_active_users(weeks=MAX_WEEKS_SINCE_LAST_LOGIN),
        "registered_learners": get_registered_learners(),
        "generated_certificates": get_generated_certificates(),
        "enrollments": get_course_enrollments(),
        "extra_data": settings.SURVEY_REPORT_EXTRA_DATA,
    }


def generate_report():
    """Create the row (save → processing), fill it (update → generated), send it (error if not)."""
    if not settings.SURVEY_REPORT_ENABLE:
        raise Exception("Survey report generation is not enabled")  # pylint: disable=broad-exception-raised
    survey_report = SurveyReport()
    survey_report.save()
    try:
        data = get_report_data()
        data["state"] = SURVEY_REPORT_GENERATED
        update_report(survey_report.id, data)
        send_report_to_external_api(survey_report.id)
    except Exception as update_report_error:
        update_report(survey_report.id, {"state": SURVEY_REPORT_ERROR})
        # Upstream wraps whatever went wrong in a bare Exception; its task logs and swallows it.
        raise Exception(update_report_error) from update_report_error  # pylint: disable=broad-exception-raised
    return survey_report.id


def get_id():
    """The report's identifier: the LMS domain, or a random ID kept in the database."""
    if not settings.ANONYMOUS_SURVEY_REPORT:
        return settings.LMS_BASE
    return str(SurveyReportAnonymousSiteID.objects.get_or_create()[0].id)


def send_report_to_external_api(report_id):
    """
    POST the report as JSON to ``SURVEY_REPORT_ENDPOINT`` and record the upload, as upstream.

    No timeout (as upstream); ``raise_for_status()`` before the upload is recorded, so a refused
    or failed POST leaves no ``SurveyReportUpload`` row; ``request_details`` keeps the answer.
    """
    report = SurveyReport.objects.get(id=report_id)
    fields = ["courses_offered", "learners", "registered_learners", "generated_certificates", "enrollments"]
    data = model_to_dict(report, fields=fields)
    data["id"] = get_id()
    data["extra_data"] = report.extra_data
    data["created_at"] = report.created_at.strftime("%m-%d-%Y %H:%M:%S")

    request = requests.post(settings.SURVEY_REPORT_ENDPOINT, json=data)  # pylint: disable=missing-timeout
    request.raise_for_status()
    SurveyReportUpload.objects.create(report=report, status_code=request.status_code,
                                      request_details=request.content)


def update_report(survey_report_id, data):
    """Upstream moves the report's state with update(): no model signal is sent."""
    SurveyReport.objects.filter(id=survey_report_id).update(**data)

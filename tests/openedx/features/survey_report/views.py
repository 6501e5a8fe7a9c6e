"""Upstream's open endpoint behind the report list's "Generate Report" button."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import View

from .tasks import generate_survey_report


class SurveyReportView(View):
    """
    Enqueue the report task for any logged-in user, as upstream does (POST only: GET is a 405).

    Upstream checks nothing but the login; survey-report-banner's middleware guards it.
    """

    @method_decorator(login_required)
    @method_decorator(ensure_csrf_cookie)
    def post(self, _request):
        """Enqueue ``generate_survey_report`` and go to the report list."""
        generate_survey_report.delay()
        return redirect("admin:survey_report_surveyreport_changelist")

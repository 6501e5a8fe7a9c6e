"""Redwood's own banner flag: one query on every admin page, for every user."""

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse

from .models import SurveyReport


def admin_extra_context(request):
    """Upstream's processor: show its banner when the latest report is older than the threshold."""
    if not settings.SURVEY_REPORT_ENABLE or not request.path.startswith(reverse("admin:index")):
        return {"show_survey_report_banner": False}
    threshold = datetime.today().date() - timedelta(days=30 * settings.SURVEY_REPORT_CHECK_THRESHOLD)
    try:
        latest = SurveyReport.objects.latest("created_at")
    except SurveyReport.DoesNotExist:
        return {"show_survey_report_banner": True}
    return {"show_survey_report_banner": latest.created_at.date() <= threshold}

"""Upstream's URLs, which lms/urls.py includes under ``survey_report/`` with no namespace."""

from django.urls import path

from .views import SurveyReportView

urlpatterns = [
    path("generate_report", SurveyReportView.as_view(), name="openedx.generate_survey_report"),
]

"""App config of the survey_report stand-in (label ``survey_report`` as upstream)."""

from django.apps import AppConfig


class SurveyReportConfig(AppConfig):
    """The stand-in survey report app."""

    name = "openedx.features.survey_report"
    label = "survey_report"
    verbose_name = "Survey Report"
    default_auto_field = "django.db.models.AutoField"

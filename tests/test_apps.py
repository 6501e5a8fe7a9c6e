"""
Tests of survey_report_banner.apps: the plugin is found and wired through edx-django-utils.
"""

from importlib.metadata import entry_points

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from edx_django_utils.plugins import get_plugin_apps


def test_entry_point_registered():
    names = {ep.name: ep.value for ep in entry_points(group="lms.djangoapp")}
    assert names["survey_report_banner"] == "survey_report_banner.apps:SurveyReportBannerConfig"
    assert "survey_report_banner.apps.SurveyReportBannerConfig" in get_plugin_apps("lms.djangoapp")


def test_installed_after_admin_like_the_lms():
    installed = list(settings.INSTALLED_APPS)
    plugin = "survey_report_banner.apps.SurveyReportBannerConfig"
    assert installed.index("django.contrib.admin") < installed.index(plugin)
    assert apps.get_app_config("survey_report_banner").verbose_name == "Survey report banner"


def test_plugin_settings_applied():
    options = settings.TEMPLATES[0]["OPTIONS"]
    assert options["loaders"][0] == "survey_report_banner.template_loader.Loader"
    assert options["context_processors"][-1] == "survey_report_banner.context_processors.survey_report_banner"
    assert "openedx.features.survey_report.context_processors.admin_extra_context" not in options["context_processors"]


def test_urls_mounted_by_plugin_patterns():
    assert reverse("survey_report_banner:send") == "/survey-report-banner/send/"
    assert reverse("survey_report_banner:dismiss") == "/survey-report-banner/dismiss/"

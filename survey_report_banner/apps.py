"""
Plugin wiring: how edx-platform discovers and configures this app.

Everything here is declarative; behaviour lives in the modules named after their role.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from edx_django_utils.plugins import PluginSettings, PluginURLs

# edx-django-utils reads plain strings here; importing edx-platform's ProjectType/SettingsType
# constants would make the app unimportable outside the LMS.
LMS = "lms.djangoapp"


class SurveyReportBannerConfig(AppConfig):
    """
    Register the banner with the LMS plugin system (entry point ``lms.djangoapp``).
    """

    name = "survey_report_banner"
    verbose_name = _("Survey report banner")
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginURLs.CONFIG: {
            LMS: {
                PluginURLs.NAMESPACE: "survey_report_banner",
                PluginURLs.REGEX: r"^survey-report-banner/",
                PluginURLs.RELATIVE_PATH: "urls",
            },
        },
        PluginSettings.CONFIG: {
            LMS: {
                "common": {PluginSettings.RELATIVE_PATH: "settings.common"},
            },
        },
    }

    def ready(self):
        """Connect the cache-invalidation receivers, register the checks, guard the re-send action."""
        from . import admin, checks, signals  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import

        signals.connect()
        admin.guard_report_admin()

"""
The report list the banner links to (``admin:survey_report_surveyreport_changelist``), as upstream.

Upstream's list has a "Generate Report" button (its change list template, POSTing to the open
endpoint ``openedx.generate_survey_report``), a "State" column that says "Sent" once the report's
last upload was accepted, and one action that re-sends the selected reports without changing
their state.
"""

from django.conf import settings
from django.contrib import admin

from .api import send_report_to_external_api
from .models import SurveyReport


class SurveyReportAdmin(admin.ModelAdmin):
    """Read-only list of reports, as upstream shows them."""

    change_list_template = "survey_report/change_list.html"
    readonly_fields = (
        "courses_offered", "learners", "registered_learners", "enrollments", "generated_certificates",
        "extra_data", "created_at", "state",
    )
    list_display = ("id", "summary", "created_at", "report_state")
    actions = ["send_report"]

    @admin.action(description="Send report to external API")
    def send_report(self, request, queryset):
        """Re-send each selected report; upstream records the upload and leaves ``state`` alone."""
        for report_id in queryset.values_list("id", flat=True):
            send_report_to_external_api(report_id)

    @admin.display(description="Summary")
    def summary(self, obj):
        """The counts upstream shows in one column."""
        return (f"Total Courses: {obj.courses_offered},"
                f"Total Learners: {obj.learners}, Total Enrollments: {obj.enrollments}")

    @admin.display(description="State")
    def report_state(self, obj):
        """'Sent' when the last upload was accepted, else the state (upstream shows nothing for a failed upload)."""
        last_upload = obj.surveyreportupload_set.last()
        if last_upload is None:
            return obj.state.capitalize()
        return "Sent" if last_upload.is_uploaded() else None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        """No bulk delete, as upstream."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


if settings.SURVEY_REPORT_ENABLE:
    admin.site.register(SurveyReport, SurveyReportAdmin)


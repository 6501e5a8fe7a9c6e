"""The report list the banner links to (``admin:survey_report_surveyreport_changelist``)."""

from django.contrib import admin

from .models import SurveyReport, SurveyReportUpload


@admin.register(SurveyReport)
class SurveyReportAdmin(admin.ModelAdmin):
    """Read-only list of reports, as upstream shows them."""

    list_display = ("id", "created_at", "state", "registered_learners", "learners", "courses_offered")
    readonly_fields = [f.name for f in SurveyReport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SurveyReportUpload)
class SurveyReportUploadAdmin(admin.ModelAdmin):
    """Uploads of reports to the endpoint."""

    list_display = ("id", "report", "status_code", "sent_at")

"""SurveyReport as edx-platform defines it (fields, defaults, ordering)."""

import uuid

from django.db import models

SURVEY_REPORT_PROCESSING = "processing"
SURVEY_REPORT_GENERATED = "generated"
SURVEY_REPORT_ERROR = "error"

SURVEY_REPORT_STATES = [
    (SURVEY_REPORT_PROCESSING, "Processing"),
    (SURVEY_REPORT_GENERATED, "Generated"),
    (SURVEY_REPORT_ERROR, "Error"),
]


class SurveyReport(models.Model):
    """
    Aggregated, anonymized usage counts of the site. Upstream has no index on ``created_at``.

    .. no_pii:
    """

    courses_offered = models.BigIntegerField(default=0)
    learners = models.BigIntegerField(default=0)
    registered_learners = models.BigIntegerField(default=0)
    enrollments = models.BigIntegerField(default=0)
    generated_certificates = models.BigIntegerField(default=0)
    extra_data = models.JSONField(blank=True, default=dict)
    created_at = models.DateTimeField(auto_now=True)
    state = models.CharField(max_length=24, choices=SURVEY_REPORT_STATES, default=SURVEY_REPORT_PROCESSING)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self):
        return f"Survey report {self.pk} ({self.state})"


class SurveyReportUpload(models.Model):
    """
    One attempt to send a report to ``SURVEY_REPORT_ENDPOINT``.

    .. no_pii:
    """

    sent_at = models.DateTimeField(auto_now=True)
    report = models.ForeignKey(SurveyReport, on_delete=models.CASCADE)
    status_code = models.IntegerField()
    # As upstream: 255 characters at most (a longer answer is a DataError on MySQL's strict mode).
    request_details = models.CharField(max_length=255, null=True, blank=True)

    def is_uploaded(self):
        """Whether the endpoint accepted the report."""
        return 200 <= self.status_code < 300


class SurveyReportAnonymousSiteID(models.Model):
    """
    The random identifier a report carries when ``ANONYMOUS_SURVEY_REPORT`` is True.

    .. no_pii:
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)


class SurveyReportWithoutUploads(models.Model):
    """
    A report model without uploads, as before upstream recorded them: ``generated`` meant sent.

    Not upstream's: the banner supports such models (``SURVEY_REPORT_BANNER_REPORT_MODEL``), and
    the tests point that setting here to pin the rule they keep.

    .. no_pii:
    """

    created_at = models.DateTimeField(auto_now=True)
    state = models.CharField(max_length=24, choices=SURVEY_REPORT_STATES, default=SURVEY_REPORT_PROCESSING)

"""
What edx-platform's survey report table says: which report counts as sent, and which is on its way.

edx-platform's ``SurveyReport`` rows move ``processing`` → ``generated`` (sent) or ``error`` (the
POST failed). Its admin action "Send report to external API" can later deliver a report again: it
records a ``SurveyReportUpload`` with the HTTP status and leaves the state alone, so a 2xx upload
counts as sent as well.
"""

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from . import conf

# States of edx-platform's SurveyReport.state (openedx/features/survey_report/models.py).
REPORT_PROCESSING = "processing"
REPORT_GENERATED = "generated"
REPORT_ERROR = "error"

# The reverse relation from SurveyReport to SurveyReportUpload (its ForeignKey has no related_name).
UPLOADS = "surveyreportupload"


def report_model():
    """The survey report model (edx-platform's ``SurveyReport`` unless configured otherwise)."""
    return apps.get_model(conf.report_model_label())


def window_start(now=None):
    """The start of the window in which a report or a dismissal still counts (calendar months)."""
    return (now or timezone.now()) - relativedelta(months=conf.threshold_months())


def delivered():
    """
    The filter for reports that reached the project: ``generated``, or uploaded later with a 2xx.

    Any 2xx upload counts, even if a later re-send failed: the report did arrive.
    """
    sent = Q(state=REPORT_GENERATED)
    if UPLOADS in {field.name for field in report_model()._meta.get_fields()}:  # pylint: disable=protected-access
        sent |= Q(**{f"{UPLOADS}__status_code__gte": 200, f"{UPLOADS}__status_code__lt": 300})
    return sent


def last_sent_report(now=None):
    """The newest report sent within the threshold window, or None."""
    Report = report_model()  # pylint: disable=invalid-name
    recent = Report.objects.filter(created_at__gte=window_start(now))
    return recent.filter(delivered()).order_by("-created_at").first()


def report_pending(requested_at, now=None):
    """
    Whether a report is on its way, within the pending window.

    On its way means a report row still ``processing``, or a *Send report* request (made at
    ``requested_at``) that no worker has turned into a report row yet.
    """
    pending_since = (now or timezone.now()) - conf.pending_window()
    recent = report_model().objects.filter(created_at__gte=pending_since)
    if recent.filter(state=REPORT_PROCESSING).exists():
        return True
    if requested_at is None or requested_at < pending_since:
        return False
    return not recent.filter(created_at__gte=requested_at).exists()

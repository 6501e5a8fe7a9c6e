"""
What openedx-platform's survey report table says: which report was delivered, and which is on its way.

Upstream's ``generate_report`` saves a row (``processing``), fills it with ``update()``
(``generated``), then POSTs it with no timeout, and records a ``SurveyReportUpload`` only after a
2xx; any failure moves the row to ``error``. So ``generated`` means "counted", not "delivered": a
worker killed mid-POST leaves a ``generated`` row that nothing reached. The rules, used alike by the
banner, the send gate, the status endpoint and the scheduler's command:

* **delivered**: a 2xx upload (upstream's admin action can deliver a report again later, even one
  in ``error``); for older report models without uploads, the ``generated`` state;
* **on its way**: ``processing``, or ``generated`` and not delivered, within the pending window
  (``SURVEY_REPORT_BANNER_PENDING_MINUTES``) of the row's creation;
* **failed**: anything else: ``error``, or a row left on its way past the pending window.
"""

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from . import conf

# States of upstream's SurveyReport.state (openedx/features/survey_report/models.py).
REPORT_PROCESSING = "processing"
REPORT_GENERATED = "generated"
REPORT_ERROR = "error"

# The reverse relation from SurveyReport to SurveyReportUpload (its ForeignKey has no related_name).
UPLOADS = "surveyreportupload"


#: The body's fields, as upstream's ``send_report_to_external_api`` takes them from the row, and
#: its date format for ``created_at`` (the row's aware time, in UTC).
BODY_FIELDS = ("courses_offered", "learners", "registered_learners", "generated_certificates", "enrollments")
CREATED_AT_FORMAT = "%m-%d-%Y %H:%M:%S"

# The report model's fields every reader here queries (uploads are optional, see upload_model).
REQUIRED_FIELDS = ("created_at", "state")


class ReportModelUnusable(LookupError):
    """``SURVEY_REPORT_BANNER_REPORT_MODEL`` names no usable report model; the message says why (W003)."""


def report_model():
    """
    The survey report model (upstream's ``SurveyReport`` unless configured otherwise).

    The one rule for "is the report model usable": installed, with the fields queried here. Every
    path asks it (the banner, the buttons, the command, the signals, the system check), so all
    agree; otherwise it raises :class:`ReportModelUnusable` (a ``LookupError``) saying why.
    """
    label = conf.report_model_label()
    if label is None:
        raise ReportModelUnusable(
            f"SURVEY_REPORT_BANNER_REPORT_MODEL = {conf.report_model_setting()!r} is not an "
            "app_label.ModelName label"
        )
    try:
        model = apps.get_model(label)
    except LookupError as exc:
        raise ReportModelUnusable(f"The survey report model {label!r} is not installed") from exc
    names = {field.name for field in model._meta.get_fields()}  # pylint: disable=protected-access
    missing = [name for name in REQUIRED_FIELDS if name not in names]
    if missing:
        raise ReportModelUnusable(f"The survey report model {label!r} has no {' or '.join(missing)} field")
    return model


def upload_model():
    """Upstream's ``SurveyReportUpload``, or None for report models without uploads (Palm's first)."""
    for field in report_model()._meta.get_fields():  # pylint: disable=protected-access
        if field.name == UPLOADS:
            return field.related_model
    return None


def window_start(now=None):
    """The start of the window in which a report or a dismissal still counts (calendar months)."""
    return (now or timezone.now()) - relativedelta(months=conf.threshold_months())


def delivered():
    """
    The filter for reports that reached the project: a 2xx upload (or ``generated``, without uploads).

    Any 2xx upload counts, even if a later re-send failed: the report did arrive.
    """
    uploads = upload_model()
    if uploads is None:
        return Q(state=REPORT_GENERATED)
    return Q(Exists(uploads.objects.filter(report=OuterRef("pk"), status_code__gte=200, status_code__lt=300)))


def on_its_way(now=None):
    """The filter for reports still being generated or posted: recent, unfinished, not delivered."""
    pending_since = (now or timezone.now()) - conf.pending_window()
    unfinished = Q(state=REPORT_PROCESSING)
    if upload_model() is not None:
        unfinished |= Q(state=REPORT_GENERATED) & ~delivered()
    return Q(created_at__gte=pending_since) & unfinished


def last_sent_report(now=None):
    """The newest report delivered within the threshold window, or None."""
    recent = report_model().objects.filter(created_at__gte=window_start(now))
    return recent.filter(delivered()).order_by("-created_at").first()


def is_delivered(report):
    """Whether this one report reached the project (see :func:`delivered`)."""
    return report_model().objects.filter(pk=report.pk).filter(delivered()).exists()


def body_of(report, site_id):
    """
    The JSON body for ``report``, built as upstream's ``send_report_to_external_api`` builds it.

    ``site_id`` is upstream's ``get_id()``: the ``LMS_BASE`` domain, or the random anonymous ID.
    """
    body = {field: getattr(report, field, None) for field in BODY_FIELDS}
    body["id"] = site_id
    body["extra_data"] = getattr(report, "extra_data", None)
    body["created_at"] = report.created_at.strftime(CREATED_AT_FORMAT)
    return body

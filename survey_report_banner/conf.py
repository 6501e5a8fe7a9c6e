"""
Every setting the banner reads, in one place, with its default.

Settings are read at call time (never at import) so that ``override_settings`` in tests and
late changes by ``plugin_settings`` or the LMS production settings are always honoured.
"""

import json
from datetime import timedelta

from django.conf import settings

# .. setting_name: SURVEY_REPORT_CHECK_THRESHOLD
# .. setting_default: 6
# .. setting_description: edx-platform's own setting, reused here: how many months a sent
#   survey report, or a superuser's dismissal, keeps the banner hidden.
SURVEY_REPORT_CHECK_THRESHOLD_DEFAULT = 6

# .. setting_name: SURVEY_REPORT_ENABLE
# .. setting_default: True
# .. setting_description: edx-platform's own setting. When False the site cannot generate
#   survey reports, so the banner never shows; a click on a banner loaded earlier goes back to
#   the admin page with a message.
SURVEY_REPORT_ENABLE_DEFAULT = True

# .. setting_name: ANONYMOUS_SURVEY_REPORT
# .. setting_default: False (edx-platform's default)
# .. setting_description: edx-platform's own setting. When False, edx-platform's report identifies
#   the site by its ``LMS_BASE`` instead of a random ID; the banner's "What is sent" says which
#   (see :func:`report_site_domain`). The Tutor plugin sets it to True unless told otherwise.

# .. setting_name: SURVEY_REPORT_BANNER_TASK
# .. setting_default: "openedx.features.survey_report.tasks.generate_survey_report"
# .. setting_description: Dotted path of the Celery task that *Send report* enqueues, called with
#   no arguments. The default is edx-platform's own task; hosts may point elsewhere.
SURVEY_REPORT_BANNER_TASK_DEFAULT = "openedx.features.survey_report.tasks.generate_survey_report"

# .. setting_name: SURVEY_REPORT_BANNER_REPORT_MODEL
# .. setting_default: "survey_report.SurveyReport"
# .. setting_description: ``app_label.ModelName`` of the survey report model whose rows
#   (``created_at``, ``state``) decide whether a report was sent recently.
SURVEY_REPORT_BANNER_REPORT_MODEL_DEFAULT = "survey_report.SurveyReport"

# .. setting_name: SURVEY_REPORT_BANNER_PENDING_MINUTES
# .. setting_default: 60
# .. setting_description: How long a requested or still ``processing`` report hides the banner.
#   Capped so that a crashed worker cannot hide the banner forever.
SURVEY_REPORT_BANNER_PENDING_MINUTES_DEFAULT = 60

# .. setting_name: SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT
# .. setting_default: 3
# .. setting_description: Seconds *Send report* waits for the Celery broker before telling the
#   superuser it is unreachable (instead of Celery's default reconnect loop of minutes).
SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT_DEFAULT = 3.0

# .. setting_name: SURVEY_REPORT_BANNER_CACHE_TIMEOUT
# .. setting_default: 300
# .. setting_description: Upper bound, in seconds, on how long a superuser's banner decision is
#   kept in Django's cache. Every event that can change it (a send, a dismissal, a report row or
#   upload) also invalidates it at once; the passing of time (the threshold running out) is seen
#   within this many seconds.
SURVEY_REPORT_BANNER_CACHE_TIMEOUT_DEFAULT = 300

# .. setting_name: SURVEY_REPORT_BANNER_CACHE_ALIAS
# .. setting_default: "default"
# .. setting_description: Which of ``CACHES`` holds the banner decisions. In production it must
#   be shared by the web processes and the Celery workers (memcached or Redis, as the LMS uses).
SURVEY_REPORT_BANNER_CACHE_ALIAS_DEFAULT = "default"


# .. setting_name: SURVEY_REPORT_AUTO_SEND
# .. setting_default: True
# .. setting_description: Whether scheduled runs (``send_survey_report_if_due --scheduled``) may
#   send reports. The Tutor plugin renders the operator's answer here, so a scheduled job left
#   behind after the operator said "no" (Kubernetes never prunes a CronJob) sends nothing.
SURVEY_REPORT_AUTO_SEND_DEFAULT = True

# .. setting_name: SURVEY_REPORT_SCHEDULED_LEAD_HOURS
# .. setting_default: 30
# .. setting_description: How many hours before a survey report falls due a scheduled run
#   (``send_survey_report_if_due --scheduled``) already sends it: at least the interval between
#   scheduled runs plus slack for a late start, so that the report always goes out before the
#   banner would show. The default suits a daily schedule (24 hours plus 6). Values that are not
#   a number, or are negative, mean the default; values above 336 (14 days) are capped there.
SURVEY_REPORT_SCHEDULED_LEAD_HOURS_DEFAULT = 30
SURVEY_REPORT_SCHEDULED_LEAD_HOURS_MAX = 14 * 24


def _get(name, default):
    return getattr(settings, name, default)


def _number(value, default, cast, at_least):
    """``value`` as ``cast`` (int or float); ``default`` when it is unreadable or below ``at_least``."""
    try:
        value = cast(value)
    except (TypeError, ValueError):
        return default
    return value if value >= at_least else default  # False for NaN too


def threshold_months():
    """Months a sent report or a dismissal hides the banner (``SURVEY_REPORT_CHECK_THRESHOLD``)."""
    # A zero or negative window would mean "ask on every page, forever": fall back to the default.
    default = SURVEY_REPORT_CHECK_THRESHOLD_DEFAULT
    return _number(_get("SURVEY_REPORT_CHECK_THRESHOLD", default), default, int, at_least=1)


def survey_report_enabled():
    """Whether this site can generate survey reports at all (``SURVEY_REPORT_ENABLE``)."""
    return bool(_get("SURVEY_REPORT_ENABLE", SURVEY_REPORT_ENABLE_DEFAULT))


def auto_send_enabled():
    """Whether scheduled runs may send reports (``SURVEY_REPORT_AUTO_SEND``)."""
    return bool(_get("SURVEY_REPORT_AUTO_SEND", SURVEY_REPORT_AUTO_SEND_DEFAULT))


def task_path():
    """Dotted path of the Celery task *Send report* enqueues."""
    return _get("SURVEY_REPORT_BANNER_TASK", SURVEY_REPORT_BANNER_TASK_DEFAULT)


def report_model_label():
    """``app_label.ModelName`` of the survey report model."""
    return _get("SURVEY_REPORT_BANNER_REPORT_MODEL", SURVEY_REPORT_BANNER_REPORT_MODEL_DEFAULT)


def pending_window():
    """How long a requested or processing report hides the banner, as a ``timedelta``."""
    minutes = _get("SURVEY_REPORT_BANNER_PENDING_MINUTES", SURVEY_REPORT_BANNER_PENDING_MINUTES_DEFAULT)
    return timedelta(minutes=float(minutes))


def enqueue_timeout():
    """Seconds to wait for the broker when enqueueing the report task."""
    return float(_get("SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT", SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT_DEFAULT))


def cache_timeout():
    """Upper bound, in seconds, on a cached banner decision."""
    return int(_get("SURVEY_REPORT_BANNER_CACHE_TIMEOUT", SURVEY_REPORT_BANNER_CACHE_TIMEOUT_DEFAULT))


def cache_alias():
    """Alias of the Django cache holding banner decisions."""
    return _get("SURVEY_REPORT_BANNER_CACHE_ALIAS", SURVEY_REPORT_BANNER_CACHE_ALIAS_DEFAULT)


# .. setting_name: SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT
# .. setting_default: True
# .. setting_description: Whether edx-platform's own ``POST /survey_report/generate_report``
#   (URL name ``openedx.generate_survey_report``, the report list's "Generate Report" button) is
#   guarded by ``survey_report_banner.middleware.GenerateReportGuardMiddleware``: only active staff
#   superusers may use it, through the same once-only request as *Send report*; any other
#   logged-in user gets 403 and nothing is enqueued. False leaves the endpoint as upstream has it
#   (any logged-in user, learners included, can make the site generate and send a report).
SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT_DEFAULT = True


def guard_generate_endpoint():
    """Whether upstream's generate-report endpoint is guarded (``SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT``)."""
    return bool(_get(
        "SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT", SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT_DEFAULT
    ))


def scheduled_lead():
    """How long before a report falls due a scheduled run sends it, as a ``timedelta``."""
    default = SURVEY_REPORT_SCHEDULED_LEAD_HOURS_DEFAULT
    hours = _number(_get("SURVEY_REPORT_SCHEDULED_LEAD_HOURS", default), default, float, at_least=0)
    # A lead close to the threshold itself would send a report on almost every run.
    return timedelta(hours=min(hours, SURVEY_REPORT_SCHEDULED_LEAD_HOURS_MAX))


# .. setting_name: SURVEY_REPORT_EXTRA_DATA
# .. setting_default: {}
# .. setting_description: edx-platform's own setting: extra keys and values the operator adds to
#   every survey report. Read here only to show superusers, in the banner's "What is sent", exactly
#   what the report will carry.
SURVEY_REPORT_EXTRA_DATA_DEFAULT = {}

# .. setting_name: LMS_BASE
# .. setting_default: None (edx-platform always sets it: the LMS's domain)
# .. setting_description: edx-platform's own setting. Read here only to name, in the banner's
#   "What is sent", the domain that identifies the report when ``ANONYMOUS_SURVEY_REPORT`` is False.


def report_extra_data():
    """
    The operator's extra report data (``SURVEY_REPORT_EXTRA_DATA``) as ``(key, JSON value)`` pairs.

    Anything that is not a mapping is what upstream would send as it is: shown as one value.
    """
    extra = _get("SURVEY_REPORT_EXTRA_DATA", SURVEY_REPORT_EXTRA_DATA_DEFAULT)
    if not extra:
        return []
    if isinstance(extra, dict):
        return [(str(key), _as_sent(value)) for key, value in extra.items()]
    return [("", _as_sent(extra))]


def _as_sent(value):
    # The report carries extra data as JSON: show each value as it will travel.
    return json.dumps(value, ensure_ascii=False, default=str)


def report_site_domain():
    """
    The domain the report names when it is not anonymous (``LMS_BASE``), or None when it is.

    This follows what edx-platform's report task does: it tests ``ANONYMOUS_SURVEY_REPORT`` for
    truth, and a settings module without it (edx-platform's default is False) sends the domain.
    """
    if _get("ANONYMOUS_SURVEY_REPORT", False):
        return None
    return str(_get("LMS_BASE", "") or "")


# .. setting_name: SURVEY_REPORT_BANNER_PREVIEW_MINUTES
# .. setting_default: 60
# .. setting_description: How long, in minutes, the totals counted by the banner's *Preview*
#   button are kept (in ``SURVEY_REPORT_BANNER_CACHE_ALIAS``) and shown to every superuser, with
#   when they were counted. Values that are not a number, or are below 1, mean the default; values
#   above 1440 (a day) are capped there.
SURVEY_REPORT_BANNER_PREVIEW_MINUTES_DEFAULT = 60
SURVEY_REPORT_BANNER_PREVIEW_MINUTES_MAX = 24 * 60


def preview_keep():
    """How long a counted preview is kept and shown (``SURVEY_REPORT_BANNER_PREVIEW_MINUTES``), as a ``timedelta``."""
    default = SURVEY_REPORT_BANNER_PREVIEW_MINUTES_DEFAULT
    minutes = _number(_get("SURVEY_REPORT_BANNER_PREVIEW_MINUTES", default), default, float, at_least=1)
    # Inf would pass the floor; a day is plenty and keeps the cache timeout a sane integer.
    return timedelta(minutes=min(minutes, SURVEY_REPORT_BANNER_PREVIEW_MINUTES_MAX))

"""
Every setting the banner reads, in one place, with its default.

Settings are read at call time (never at import) so that ``override_settings`` in tests and
late changes by ``plugin_settings`` or the LMS production settings are always honoured.
"""

import json
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

# .. setting_name: SURVEY_REPORT_CHECK_THRESHOLD
# .. setting_default: 6
# .. setting_description: edx-platform's own setting, reused here: how many months a sent
#   survey report, or a superuser's dismissal, keeps the banner hidden. 1 to 120.
SURVEY_REPORT_CHECK_THRESHOLD_DEFAULT = 6

# .. setting_name: SURVEY_REPORT_ENABLE
# .. setting_default: True
# .. setting_description: edx-platform's own setting. When False the site cannot generate
#   survey reports, so the banner never shows; a click on a banner loaded earlier goes back to
#   the admin page with a message. A value that is not True or False is read by its truth, as
#   edx-platform reads it (W007 says so).
SURVEY_REPORT_ENABLE_DEFAULT = True

# .. setting_name: ANONYMOUS_SURVEY_REPORT
# .. setting_default: False (edx-platform's default)
# .. setting_description: edx-platform's own setting. When False, edx-platform's report identifies
#   the site by its ``LMS_BASE`` instead of a random ID; the banner's "What is sent" says which
#   (see :func:`report_site_domain`). The Tutor plugin sets it to True unless told otherwise. A
#   value that is not True or False is read by its truth, as edx-platform's task reads it (W007).
ANONYMOUS_SURVEY_REPORT_DEFAULT = False

# .. setting_name: SURVEY_REPORT_BANNER_TASK
# .. setting_default: "openedx.features.survey_report.tasks.generate_survey_report"
# .. setting_description: Dotted path of the Celery task that *Send report* enqueues, called with
#   no arguments. The default is edx-platform's own task; hosts may point elsewhere. Any value that
#   is not the dotted path of an importable Celery task (None, a number, "", a plain function such
#   as ``json.dumps``) turns the banner off and makes *Send report* and ``send_survey_report_if_due``
#   refuse with a message; system check W002 names it. It never falls back to the default: the
#   setting chooses code that sends this site's data, so only the task the operator named runs.
SURVEY_REPORT_BANNER_TASK_DEFAULT = "openedx.features.survey_report.tasks.generate_survey_report"

# .. setting_name: SURVEY_REPORT_BANNER_REPORT_MODEL
# .. setting_default: "survey_report.SurveyReport"
# .. setting_description: ``app_label.ModelName`` of the survey report model whose rows
#   (``created_at``, ``state``) decide whether a report was sent recently. Any value that is not
#   the label of an installed model with both fields (None, a number, "", ``auth.Group``) turns the
#   banner off, as a wrong task path does; system check W003 names it.
SURVEY_REPORT_BANNER_REPORT_MODEL_DEFAULT = "survey_report.SurveyReport"

# .. setting_name: SURVEY_REPORT_BANNER_PENDING_MINUTES
# .. setting_default: 60
# .. setting_description: How long a report on its way (a queued request, or a report row still
#   ``processing`` or ``generated`` without a successful upload) counts as on its way: it hides the
#   banner and keeps every other path from sending. After it, a report that did not arrive counts
#   as failed. A queued task older than this never runs (Celery ``expires``). 15 to 1440; a value
#   outside that range, or not a number, means the default (above 1440: 1440).
SURVEY_REPORT_BANNER_PENDING_MINUTES_DEFAULT = 60

# .. setting_name: SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT
# .. setting_default: 3
# .. setting_description: Seconds *Send report* waits for the Celery broker before telling the
#   superuser it is unreachable (instead of Celery's default reconnect loop of minutes). 0.1 to 30.
SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT_DEFAULT = 3.0

# .. setting_name: SURVEY_REPORT_BANNER_SEND_TIMEOUT
# .. setting_default: 300
# .. setting_description: Seconds one attempt to generate and send a report may take, on every
#   path: the soft time limit of the tasks *Send report*, "Generate Report" and the report list's
#   re-send enqueue, and of ``send_survey_report_if_due``'s send (it then exits non-zero and says
#   so); the hard limit, when the process running a send still stuck is killed, is 30 s more.
#   The send gate's claim outlasts both (ADR 0006). edx-platform POSTs with no timeout, so without
#   it a silent endpoint would hang the job for good. A *Preview* count may run as long (its hard
#   limit is 10 s more). 1 to 600.
SURVEY_REPORT_BANNER_SEND_TIMEOUT_DEFAULT = 300.0

# .. setting_name: SURVEY_REPORT_BANNER_CACHE_TIMEOUT
# .. setting_default: 300
# .. setting_description: Upper bound, in seconds, on how long a superuser's banner decision is
#   kept in Django's cache. Every event that can change it (a send, a dismissal, a report row or
#   upload) also invalidates it at once; the passing of time (the threshold running out) is seen
#   within this many seconds. 0 (no caching) to 86400.
SURVEY_REPORT_BANNER_CACHE_TIMEOUT_DEFAULT = 300

# .. setting_name: SURVEY_REPORT_BANNER_CACHE_ALIAS
# .. setting_default: "default"
# .. setting_description: Which of ``CACHES`` holds the banner decisions. In production it must
#   be shared by the web processes and the Celery workers (memcached or Redis, as the LMS uses).
#   A value that names no cache means ``"default"`` (W007 says so).
SURVEY_REPORT_BANNER_CACHE_ALIAS_DEFAULT = "default"


# .. setting_name: SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT
# .. setting_default: True
# .. setting_description: Whether edx-platform's own ``POST /survey_report/generate_report``
#   (URL name ``openedx.generate_survey_report``, the report list's "Generate Report" button) is
#   guarded by ``survey_report_banner.middleware.GenerateReportGuardMiddleware``: only active staff
#   superusers may use it, through the same once-only request as *Send report*; any other
#   logged-in user gets 403 and nothing is enqueued. False leaves the endpoint as upstream has it
#   (any logged-in user, learners included, can make the site generate and send a report). A value
#   that is not True or False means True, the guarded side (W007 says so).
SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT_DEFAULT = True


# .. setting_name: SURVEY_REPORT_AUTO_SEND
# .. setting_default: True
# .. setting_description: Whether scheduled runs (``send_survey_report_if_due --scheduled``) may
#   send reports. The Tutor plugin renders the operator's answer here, so a scheduled job left
#   behind after the operator said "no" (Kubernetes never prunes a CronJob) sends nothing. A value
#   that is not True or False (say the string "false") means False: a scheduled run sends nothing
#   the operator may have refused (W007 says so; the banner still asks).
SURVEY_REPORT_AUTO_SEND_DEFAULT = True

# .. setting_name: SURVEY_REPORT_SCHEDULER
# .. setting_default: None
# .. setting_description: What runs ``send_survey_report_if_due --scheduled`` on this site, in words,
#   for ``survey_report_status``. Only informative: the LMS cannot see a cron job or a CronJob, so
#   whoever sets one up says so here. The Tutor plugin renders it while SURVEY_REPORT_AUTO_SEND is
#   true (its compose service and its CronJob).

# .. setting_name: SURVEY_REPORT_SCHEDULED_LEAD_HOURS
# .. setting_default: 30
# .. setting_description: How many hours before a survey report falls due a scheduled run
#   (``send_survey_report_if_due --scheduled``) already sends it: at least the interval between
#   scheduled runs plus slack for a late start, so that the report always goes out before the
#   banner would show. The default suits a daily schedule (24 hours plus 6). Values that are not
#   a number, or are negative, mean the default; values above 336 (14 days) are capped there.
SURVEY_REPORT_SCHEDULED_LEAD_HOURS_DEFAULT = 30
SURVEY_REPORT_SCHEDULED_LEAD_HOURS_MAX = 14 * 24


# .. setting_name: SURVEY_REPORT_BANNER_PREVIEW_MINUTES
# .. setting_default: 60
# .. setting_description: How long, in minutes, the totals counted by the banner's *Preview*
#   button are kept (in ``SURVEY_REPORT_BANNER_CACHE_ALIAS``) and shown to every superuser, with
#   when they were counted. 1 to 1440 (a day).
SURVEY_REPORT_BANNER_PREVIEW_MINUTES_DEFAULT = 60

# .. setting_name: SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT
# .. setting_default: 600
# .. setting_description: Seconds a *Preview* count may wait in the Celery queue for a worker
#   (the task's ``expires``); once started it may run for ``SURVEY_REPORT_BANNER_SEND_TIMEOUT``
#   seconds, as the report task that counts the same totals (hard limit 10 s more). Past both, the
#   banner says the count was lost and *Preview* counts again. Raise it where workers are busy with
#   a long queue. 1 to 3600.
SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT_DEFAULT = 600.0


def _get(name, default):
    return getattr(settings, name, default)


@dataclass(frozen=True)
class Number:
    """How one numeric setting is read: its default, its type, and the range that makes sense."""

    default: float
    cast: type
    floor: float
    ceiling: float


# Every numeric setting, with the range in which it means what its annotation says. A value that
# is not a finite number, or is below the floor (0 or less would turn a window or a limit off),
# means the default; above the ceiling, the ceiling (a huge window would overflow the calendar).
NUMBERS = {
    "SURVEY_REPORT_CHECK_THRESHOLD": Number(SURVEY_REPORT_CHECK_THRESHOLD_DEFAULT, int, 1, 120),
    "SURVEY_REPORT_BANNER_PENDING_MINUTES": Number(SURVEY_REPORT_BANNER_PENDING_MINUTES_DEFAULT, float, 15, 1440),
    "SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT": Number(SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT_DEFAULT, float, 0.1, 30),
    "SURVEY_REPORT_BANNER_SEND_TIMEOUT": Number(SURVEY_REPORT_BANNER_SEND_TIMEOUT_DEFAULT, float, 1, 600),
    "SURVEY_REPORT_BANNER_CACHE_TIMEOUT": Number(SURVEY_REPORT_BANNER_CACHE_TIMEOUT_DEFAULT, int, 0, 86400),
    "SURVEY_REPORT_SCHEDULED_LEAD_HOURS": Number(SURVEY_REPORT_SCHEDULED_LEAD_HOURS_DEFAULT, float, 0,
                                                 SURVEY_REPORT_SCHEDULED_LEAD_HOURS_MAX),
    "SURVEY_REPORT_BANNER_PREVIEW_MINUTES": Number(SURVEY_REPORT_BANNER_PREVIEW_MINUTES_DEFAULT, float, 1, 1440),
    "SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT": Number(SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT_DEFAULT, float,
                                                         1, 3600),
}


def _valid(name, value):
    """``value`` of the numeric setting ``name``, validated: ``(value to use, problem or None)``."""
    spec = NUMBERS[name]
    try:
        if isinstance(value, bool):  # True is 1 to Python, never a meant duration
            raise TypeError
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return spec.default, "is not a number"
    if not math.isfinite(number) or number < spec.floor:
        return spec.default, f"is not a number from {spec.floor:g} to {spec.ceiling:g}"
    if number > spec.ceiling:
        return spec.cast(spec.ceiling), f"is above {spec.ceiling:g}"
    return spec.cast(number), None


def _number(name):
    """The numeric setting ``name``, validated (see :data:`NUMBERS`); its default when unset."""
    return _valid(name, _get(name, NUMBERS[name].default))[0]


@dataclass(frozen=True)
class Flag:
    """How one True/False setting is read: its default, and what a value that is neither means."""

    default: bool
    # What a value such as "false" or None means. None: its truth, as edx-platform reads its own
    # settings (the banner must say what upstream's code will do); otherwise the safe side.
    unclear: bool | None


# Every True/False setting. 0 and 1 count as False and True; anything else is named by W007.
FLAGS = {
    "SURVEY_REPORT_ENABLE": Flag(SURVEY_REPORT_ENABLE_DEFAULT, None),
    "ANONYMOUS_SURVEY_REPORT": Flag(ANONYMOUS_SURVEY_REPORT_DEFAULT, None),
    # A job must not send what the operator may have refused; the banner still asks.
    "SURVEY_REPORT_AUTO_SEND": Flag(SURVEY_REPORT_AUTO_SEND_DEFAULT, False),
    # Keeps learners off upstream's endpoint.
    "SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT": Flag(SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT_DEFAULT, True),
}


def _flag_valid(name, value):
    """``value`` of the True/False setting ``name``: ``(value to use, what the banner does instead or None)``."""
    spec = FLAGS[name]
    if isinstance(value, int) and value in (0, 1):  # bools are ints
        return bool(value), None
    if spec.unclear is None:
        return bool(value), f"edx-platform reads it as {bool(value)!r}, and so does the survey report banner"
    return spec.unclear, f"the survey report banner uses {spec.unclear!r} instead"


def _flag(name):
    """The True/False setting ``name``, validated (see :data:`FLAGS`); its default when unset."""
    return _flag_valid(name, _get(name, FLAGS[name].default))[0]


def _dotted(value, parts=None):
    """``value`` if it is a dotted Python name (of exactly ``parts`` parts, when given), else None."""
    if not isinstance(value, str):
        return None
    names = value.split(".")
    if len(names) < 2 or (parts and len(names) != parts) or not all(name.isidentifier() for name in names):
        return None
    return value


@dataclass(frozen=True)
class Problem:
    """A setting whose value the banner cannot use as it is: why, and what the banner does instead."""

    name: str
    value: object
    why: str
    outcome: str


def setting_problems():
    """
    A :class:`Problem` for each setting whose value cannot be used as it is.

    The system check ``survey_report_banner.W007`` reports these; the readers below already fall
    back, so a bad value never turns a page into an error. The report task and model are not
    here: whether they can be used is W002's and W003's (``api.load_report_task``,
    ``reports.report_model``), which say why when they cannot.
    """
    problems = []
    for name, spec in NUMBERS.items():
        value = _get(name, spec.default)
        used, why = _valid(name, value)
        if why:
            problems.append(Problem(name, value, why, f"the survey report banner uses {used!r} instead"))
    for name, flag in FLAGS.items():
        value = _get(name, flag.default)
        outcome = _flag_valid(name, value)[1]
        if outcome:
            problems.append(Problem(name, value, "is not True or False", outcome))
    alias = _get("SURVEY_REPORT_BANNER_CACHE_ALIAS", SURVEY_REPORT_BANNER_CACHE_ALIAS_DEFAULT)
    if alias != cache_alias():
        problems.append(Problem("SURVEY_REPORT_BANNER_CACHE_ALIAS", alias, "is not one of CACHES",
                                f"the survey report banner uses {cache_alias()!r} instead"))
    extra = _get("SURVEY_REPORT_EXTRA_DATA", SURVEY_REPORT_EXTRA_DATA_DEFAULT)
    if extra and not _encodable(extra):
        problems.append(Problem(
            "SURVEY_REPORT_EXTRA_DATA", extra, "cannot be encoded as JSON",
            "edx-platform cannot store it, so every report fails; the banner shows it as text",
        ))
    elif extra and not isinstance(extra, dict):
        problems.append(Problem(
            "SURVEY_REPORT_EXTRA_DATA", extra, "is not a dict",
            "reports carry it as one value, not as keys and values, and the banner shows it so",
        ))
    lms_base = _get("LMS_BASE", "")
    if not _flag("ANONYMOUS_SURVEY_REPORT") and not isinstance(lms_base, str):
        problems.append(Problem(
            "LMS_BASE", lms_base, "is not a domain name",
            "the survey report banner says \"your site's domain\" instead of naming it",
        ))
    return problems


def _encodable(extra):
    """Whether edx-platform's JSON field can store ``extra``."""
    try:
        json.dumps(extra)
    except (TypeError, ValueError):  # not JSON, or a circular reference
        return False
    return True


def threshold_months():
    """Months a sent report or a dismissal hides the banner (``SURVEY_REPORT_CHECK_THRESHOLD``)."""
    return _number("SURVEY_REPORT_CHECK_THRESHOLD")


def survey_report_enabled():
    """Whether this site can generate survey reports at all (``SURVEY_REPORT_ENABLE``)."""
    return _flag("SURVEY_REPORT_ENABLE")


def auto_send_enabled():
    """Whether scheduled runs may send reports (``SURVEY_REPORT_AUTO_SEND``)."""
    return _flag("SURVEY_REPORT_AUTO_SEND")


# .. setting_name: SURVEY_REPORT_ENDPOINT
# .. setting_default: openedx-platform's (the Open edX project's survey report endpoint)
# .. setting_description: openedx-platform's own setting: where reports are POSTed. Read here only
#   by the report list's re-send (``tasks.resend_survey_report``), which posts where upstream does.


def report_endpoint():
    """Where reports are POSTed (openedx-platform's ``SURVEY_REPORT_ENDPOINT``), or "" when unset."""
    return str(_get("SURVEY_REPORT_ENDPOINT", "") or "")


def scheduler():
    """What runs the scheduled sends, as the operator (or the Tutor plugin) named it, or None."""
    return str(_get("SURVEY_REPORT_SCHEDULER", None) or "").strip() or None


def task_setting():
    """``SURVEY_REPORT_BANNER_TASK`` as the operator set it, whatever it is (for messages)."""
    return _get("SURVEY_REPORT_BANNER_TASK", SURVEY_REPORT_BANNER_TASK_DEFAULT)


def task_path():
    """Dotted path of the Celery task *Send report* enqueues; None when the setting is not a dotted path."""
    return _dotted(task_setting())


def report_model_setting():
    """``SURVEY_REPORT_BANNER_REPORT_MODEL`` as the operator set it, whatever it is (for messages)."""
    return _get("SURVEY_REPORT_BANNER_REPORT_MODEL", SURVEY_REPORT_BANNER_REPORT_MODEL_DEFAULT)


def report_model_label():
    """``app_label.ModelName`` of the survey report model; None when the setting is not one."""
    return _dotted(report_model_setting(), parts=2)


def pending_window():
    """How long a report on its way counts as on its way, as a ``timedelta``."""
    return timedelta(minutes=_number("SURVEY_REPORT_BANNER_PENDING_MINUTES"))


def enqueue_timeout():
    """Seconds to wait for the broker when enqueueing the report task."""
    return _number("SURVEY_REPORT_BANNER_ENQUEUE_TIMEOUT")


def send_timeout():
    """Seconds one attempt to generate and send a report may take."""
    return _number("SURVEY_REPORT_BANNER_SEND_TIMEOUT")


def cache_timeout():
    """Upper bound, in seconds, on a cached banner decision."""
    return _number("SURVEY_REPORT_BANNER_CACHE_TIMEOUT")


def cache_alias():
    """Alias of the Django cache holding banner decisions; ``"default"`` when it names no cache."""
    alias = _get("SURVEY_REPORT_BANNER_CACHE_ALIAS", SURVEY_REPORT_BANNER_CACHE_ALIAS_DEFAULT)
    if isinstance(alias, str) and alias in getattr(settings, "CACHES", {}):
        return alias
    return SURVEY_REPORT_BANNER_CACHE_ALIAS_DEFAULT


def guard_generate_endpoint():
    """Whether upstream's generate-report endpoint is guarded (``SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT``)."""
    return _flag("SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT")


def scheduled_lead():
    """How long before a report falls due a scheduled run sends it, as a ``timedelta``."""
    # A lead close to the threshold itself would send a report on almost every run: capped.
    return timedelta(hours=_number("SURVEY_REPORT_SCHEDULED_LEAD_HOURS"))


# .. setting_name: SURVEY_REPORT_EXTRA_DATA
# .. setting_default: {}
# .. setting_description: edx-platform's own setting: extra keys and values the operator adds to
#   every survey report. Read here only to show superusers, in the banner's "What is sent", exactly
#   what the report will carry. A value that is not a dict JSON can encode is shown as it is, and
#   W007 says so (edx-platform stores it in a JSON field: such a value makes its report fail).
SURVEY_REPORT_EXTRA_DATA_DEFAULT = {}

# .. setting_name: LMS_BASE
# .. setting_default: None (edx-platform always sets it: the LMS's domain)
# .. setting_description: edx-platform's own setting. Read here only to name, in the banner's
#   "What is sent", the domain that identifies the report when ``ANONYMOUS_SURVEY_REPORT`` is False.
#   A value that is not a string is not shown (the banner says "your site's domain"; W007 says so).


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
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # a circular reference: W007 names the setting; show what can be shown
        return repr(value)


def report_site_domain():
    """
    The domain the report names when it is not anonymous (``LMS_BASE``), or None when it is.

    This follows what edx-platform's report task does: it tests ``ANONYMOUS_SURVEY_REPORT`` for
    truth, and a settings module without it (edx-platform's default is False) sends the domain.
    """
    if _flag("ANONYMOUS_SURVEY_REPORT"):
        return None
    domain = _get("LMS_BASE", "")
    return domain if isinstance(domain, str) else ""  # not a domain: W007; the banner says "your site's domain"


def preview_keep():
    """How long a counted preview is kept and shown (``SURVEY_REPORT_BANNER_PREVIEW_MINUTES``), as a ``timedelta``."""
    return timedelta(minutes=_number("SURVEY_REPORT_BANNER_PREVIEW_MINUTES"))


def preview_queue_timeout():
    """Seconds a *Preview* count may wait in the queue (``SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT``)."""
    return _number("SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT")

"""
*Preview*: this site's real numbers, as the project's endpoint would receive them, before sending.

The values come from edx-platform's own report functions (``openedx.features.survey_report.api``:
``get_report_data()`` and ``get_id()``), so the preview cannot drift from what is sent. Counting
scans the site's largest tables, so it runs only when a superuser clicks *Preview*, on a Celery
worker (:mod:`survey_report_banner.tasks`), never during a page view; one count at a time across
every process (a lock in the shared cache); nothing is saved as a report and nothing is POSTed.
The result is kept in the shared cache for ``SURVEY_REPORT_BANNER_PREVIEW_MINUTES``, for every
superuser, with when it was counted.

This module also reads *what was sent last time* for the banner: the newest delivered report
(:func:`survey_report_banner.reports.delivered`), kept in the same cache so that a warm admin page
reads it with the preview in one cache round trip and no query.
"""

import enum
import functools
import importlib
import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import api, caching, conf, faults, reports

log = logging.getLogger(__name__)

#: Upstream's module, and the two functions the preview calls (both exist since Palm's first release).
UPSTREAM_API = "openedx.features.survey_report.api"
UPSTREAM_FUNCTIONS = ("get_report_data", "get_id")

#: The body's date format: ``send_report_to_external_api`` formats ``created_at`` this way.
CREATED_AT_FORMAT = "%m-%d-%Y %H:%M:%S"

PREVIEW_KEY = "survey_report_banner:preview"
LOCK_KEY = "survey_report_banner:preview:lock"
#: The last report sent is one site-wide entry, not tied to the banner's generation counter: a
#: report that reaches the project hides the banner for months (so a newer one is never shown
#: late), and a cold decision after a dismissal or a click costs its one query, as before.
LAST_SENT_KEY = "survey_report_banner:last_sent"

#: Seconds between the preview task's soft time limit (an exception inside ``compute``, which keeps
#: a failed result and releases the lock: one cache write) and its hard one (the child is killed).
HARD_LIMIT_GRACE = 10

#: Added to the task's own bound (queue wait + hard limit) before a count is told lost: Celery's
#: ``expires`` is an absolute time set by the web host and checked by the worker's clock.
LOCK_SLACK = timedelta(seconds=15)

#: Without JavaScript, a click on *Preview* goes back to the page at the preview (this element's
#: id) with this cookie set, so that "What is sent" is rendered open while the count runs and once
#: its numbers are in.
ANCHOR = "survey-report-banner-preview"
OPEN_COOKIE = "survey_report_banner_preview"

#: A result younger than this is answered as it is: a second click (or another superuser's) does
#: not scan the tables again.
RECOUNT_AFTER = timedelta(minutes=5)


class Total(NamedTuple):
    """One of the report's five totals: its key in the body, its name, and what upstream counts."""

    key: str
    label: str
    meaning: str


#: In the order of the body (``model_to_dict`` follows the report model's fields) and of the product
#: definition. The meanings say what ``openedx/features/survey_report/queries.py`` counts.
TOTALS = (
    Total("courses_offered", _("courses offered"),
          _("courses that have started, have not ended and have more than 5 enrollments.")),
    Total("learners", _("recently active learners (last 4 weeks)"),
          _("accounts that logged in within the last 4 weeks.")),
    Total("registered_learners", _("registered learners"), _("active accounts.")),
    Total("enrollments", _("active enrollments"),
          _("active enrollments of users who are neither staff nor superusers.")),
    Total("generated_certificates", _("generated certificates"), _("passing course grades.")),
)
TOTAL_KEYS = tuple(total.key for total in TOTALS)


class Outcome(enum.Enum):
    """What a click on *Preview* did."""

    READY = "ready"  # A result younger than RECOUNT_AFTER is there: answered as it is.
    COUNTING = "counting"  # A worker was asked to count.
    ALREADY_COUNTING = "already_counting"  # Another click's count is running: wait for it.
    BROKER_UNAVAILABLE = "broker_unavailable"  # Nothing was asked; the lock is released.


@functools.lru_cache(maxsize=1)
def upstream_api():
    """edx-platform's report module if it has both functions the preview calls, else None (memoised)."""
    try:
        module = importlib.import_module(UPSTREAM_API)
    except ImportError:
        return None
    if all(callable(getattr(module, name, None)) for name in UPSTREAM_FUNCTIONS):
        return module
    return None


def available():
    """Whether this site can preview its report: without upstream's functions, no button is offered."""
    return upstream_api() is not None


def task_limits():
    """
    The preview task's own Celery limits, given to ``api.enqueue`` (the report task has its own).

    ``expires``: how long it may wait in the queue (``SURVEY_REPORT_BANNER_PREVIEW_QUEUE_TIMEOUT``);
    a worker drops it after that. Once started it may run as long as the report task, which counts
    the same totals (``SURVEY_REPORT_BANNER_SEND_TIMEOUT``), then the soft limit raises inside
    :func:`compute` (a failed result is kept) and the hard one kills the worker's child.
    """
    run = conf.send_timeout()
    return {"expires": conf.preview_queue_timeout(), "soft_time_limit": run, "time_limit": run + HARD_LIMIT_GRACE}


def lock_bound(limits=None):
    """
    How long after the click a count may still be running: queue wait + hard limit + slack.

    Past it the count is lost (no worker took it in time, or its worker died): the lock no longer
    blocks a new click, and the banner says so.
    """
    limits = limits or task_limits()
    return timedelta(seconds=limits["expires"] + limits["time_limit"]) + LOCK_SLACK


def request_preview(now=None):
    """
    Ask a worker to count the totals, unless a fresh result is kept or a count is already running.

    The lock is taken with the cache's atomic ``add`` (memcached ``add``, Redis ``SET NX``), so of
    any number of clicks in any number of processes one enqueues the task. It is released by the
    task when it is done, or here when the broker refuses. It records when it was taken and until
    when its count may run (:func:`lock_bound`); past that it is a *lost* count: its entry is kept
    for ``SURVEY_REPORT_BANNER_PREVIEW_MINUTES`` more, so that the banner can say so, and the next
    click takes it over (once: the takeover is itself an atomic ``add``).
    """
    from .tasks import compute_report_preview  # pylint: disable=import-outside-toplevel

    now = now or timezone.now()
    store = caching.cache()
    kept = _result(store.get(PREVIEW_KEY))
    if kept and kept["state"] == "ready" and now - kept["counted_at"] < RECOUNT_AFTER:
        return Outcome.READY
    limits = task_limits()
    bound = lock_bound(limits)
    lock = {"token": uuid.uuid4().hex, "since": now.isoformat(), "until": (now + bound).isoformat()}
    timeout = int((bound + conf.preview_keep()).total_seconds())
    if not store.add(LOCK_KEY, lock, timeout=timeout) and not _take_over(store, lock, kept, now, timeout):
        return Outcome.ALREADY_COUNTING
    try:
        api.enqueue(compute_report_preview, limits=limits)
    except api.BrokerUnavailable:
        _release(store, lock["token"])
        return Outcome.BROKER_UNAVAILABLE
    except BaseException:
        _release(store, lock["token"])
        raise
    return Outcome.COUNTING


def _take_over(store, lock, kept, now, timeout):
    """Take the lock from a lost count (or one released meanwhile); False if it is still counting."""
    held = store.get(LOCK_KEY)
    if held is None:
        return store.add(LOCK_KEY, lock, timeout=timeout)
    if lock_state(held, kept, now) == "counting":
        return False
    # Of any number of clicks at once, the one that adds this key takes over the lost count's lock.
    retake = f"{LOCK_KEY}:retake:{held.get('token')}"
    if not store.add(retake, lock["token"], timeout=timeout):
        return False
    store.set(LOCK_KEY, lock, timeout=timeout)
    return True


def lock_state(lock, kept, now=None):
    """
    ``"counting"`` while the lock's count may still be running, ``"lost"`` after, None without a lock.

    A lock without a readable ``until`` (taken by an older version, or by hand) counts as counting
    until its cache entry expires. One whose count was kept after it was taken is not lost: the
    task counted, and only its release failed.
    """
    if not isinstance(lock, dict):
        return None if lock is None else "counting"
    until = _when(lock.get("until"))
    now = now or timezone.now()
    if until is None or now <= until:
        return "counting"
    since = _when(lock.get("since"))
    if kept and since and kept["counted_at"] >= since:
        return None
    return "lost"


def compute(now=None):
    """
    Count the totals with upstream's functions and keep the result (the worker's side; see tasks.py).

    The body is built as ``send_report_to_external_api`` builds it: the five totals, ``id``
    (``get_id()``), ``extra_data`` and ``created_at``, with the time of this count where upstream
    puts the report's creation time. Whatever fails is kept as a failed result (and logged), so
    the superuser waiting for it is told at once instead of waiting for the lock to expire.
    """
    store = caching.cache()
    lock = store.get(LOCK_KEY) or {}
    module = upstream_api()
    now = now or timezone.now()
    try:
        if module is None:
            raise ImportError(f"{UPSTREAM_API} has no {' or '.join(UPSTREAM_FUNCTIONS)}")
        data = module.get_report_data()
        body = {key: data.get(key) for key in TOTAL_KEYS}
        body["id"] = module.get_id()
        # As the report's JSONField would store and return it; never fail on a value it cannot encode.
        body["extra_data"] = json.loads(json.dumps(data.get("extra_data"), default=str))
        body["created_at"] = now.strftime(CREATED_AT_FORMAT)
        result = {"state": "ready", "counted_at": now.isoformat(), "body": body}
    except Exception:  # pylint: disable=broad-except
        log.exception("Survey report banner: counting the report preview failed")
        result = {"state": "failed", "counted_at": now.isoformat(), "body": None}
    store.set(PREVIEW_KEY, result, timeout=int(conf.preview_keep().total_seconds()))
    _release(store, lock.get("token"))
    return result


def current(now=None):
    """
    The kept result (``state`` ready or failed, ``counted_at``, ``body``), and the lock's state.

    The state is ``"counting"``, ``"lost"`` or None (see :func:`lock_state`).
    """
    found = caching.cache().get_many([PREVIEW_KEY, LOCK_KEY])
    kept = _result(found.get(PREVIEW_KEY))
    return kept, lock_state(found.get(LOCK_KEY), kept, now)


def banner_context():
    """
    What the banner shows besides its message: the kept preview, whether a count runs, the last report sent.

    One cache round trip on a warm page; one query (the last report sent) when its site-wide entry
    expired (``SURVEY_REPORT_BANNER_CACHE_TIMEOUT``). A database or cache failure leaves these
    parts out, never the page.
    """
    context = {
        "preview_available": available(), "preview": None, "preview_counting": False, "preview_lost": False,
        "last_sent": None,
        "totals": totals(),
    }
    try:
        store = caching.cache()
        values = store.get_many([PREVIEW_KEY, LOCK_KEY, LAST_SENT_KEY])
        if LAST_SENT_KEY in values:
            sent = values[LAST_SENT_KEY][0]
        else:
            sent = last_sent()
            if conf.cache_timeout() > 0:
                # Wrapped, so that "no report was ever sent" (None) is cached too.
                store.set(LAST_SENT_KEY, (sent,), conf.cache_timeout())
    except faults.BANNER_FAULTS as exc:
        faults.warn("reading the report preview", exc)
        return context
    context["last_sent"] = _with_url(sent)
    if context["preview_available"]:
        kept = _result(values.get(PREVIEW_KEY))
        context["preview"] = kept
        state = lock_state(values.get(LOCK_KEY), kept)
        context["preview_counting"] = state == "counting"
        context["preview_lost"] = state == "lost"
        if kept and kept["state"] == "ready":
            context["totals"] = totals(kept["body"])
    return context


def last_sent():
    """The newest report that reached the project (``reports.delivered()``), as plain values; None if none."""
    report = reports.report_model().objects.filter(reports.delivered()).order_by("-created_at", "-pk").first()
    if report is None:
        return None
    return {
        "pk": report.pk,
        "created_at": report.created_at,
        "totals": {key: getattr(report, key, None) for key in TOTAL_KEYS},
        "extra_data": getattr(report, "extra_data", None),
    }


def totals(body=None):
    """The five totals with their names and meanings, and their values from ``body`` when given."""
    return [
        {"key": total.key, "label": total.label, "meaning": total.meaning,
         "value": body.get(total.key) if body else None}
        for total in TOTALS
    ]


def pretty(body):
    """The body as the endpoint receives it (JSON), indented for reading."""
    return json.dumps(body, indent=2, ensure_ascii=False)


def _result(entry):
    """A kept entry with ``counted_at`` as a datetime and the body's JSON; None when absent or unreadable."""
    try:
        counted_at = datetime.fromisoformat(entry["counted_at"])
        state = entry["state"]
        body = entry.get("body")
    except (TypeError, KeyError, ValueError):
        return None
    return {"state": state, "counted_at": counted_at, "body": body, "json": pretty(body) if body else ""}


def _when(value):
    """An ISO 8601 time from a lock, or None when absent or unreadable."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _with_url(sent):
    if sent is None:
        return None
    try:
        url = reverse("admin:survey_report_surveyreport_change", args=[sent["pk"]])
    except NoReverseMatch:
        url = api.reports_url()
    return {
        **sent, "url": url, "totals": totals(sent["totals"]),
        "extra_json": json.dumps(sent["extra_data"], ensure_ascii=False, default=str),
    }


def _release(store, token):
    """Drop the lock if it is still the one taken with ``token`` (an expired lock may have been retaken)."""
    if token and (store.get(LOCK_KEY) or {}).get("token") == token:
        store.delete(LOCK_KEY)

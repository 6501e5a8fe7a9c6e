"""
The one rule that decides whether a request gets the survey report banner.

Start at :func:`should_show_banner`: it reads top to bottom as the product definition's list of
conditions. Everything cheap (path, role, ``SURVEY_REPORT_ENABLE``) is checked before anything
touches the cache or the database, because the context processor calling it runs on every page of
the LMS. The rest (the kill switch included) is one query, cached per user.
"""

import calendar
import functools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connections, transaction
from django.db.models import BooleanField, DateTimeField, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from waffle import get_waffle_switch_model
from waffle.utils import get_setting as get_waffle_setting

from . import conf
from .models import SurveyReportBannerDismissal, SurveyReportRequest
from .toggles import DISABLE_BANNER_SWITCH

# States of edx-platform's SurveyReport.state (openedx/features/survey_report/models.py).
REPORT_PROCESSING = "processing"
REPORT_GENERATED = "generated"
REPORT_ERROR = "error"

_GENERATION_KEY = "survey_report_banner:generation"
_DECISION_KEY = "survey_report_banner:decision:{user_id}"


def should_show_banner(request):
    """
    Return True when this request's page must show the survey report banner.

    The banner shows only when all of these hold:

    1. the page is under the admin site's root (``reverse("admin:index")``) and is not one of the
       admin's small pop-up windows (``?_popup=1``, e.g. "add another" or a raw-id lookup);
    2. the user is active, ``is_staff`` and ``is_superuser``;
    3. the site can generate reports (``SURVEY_REPORT_ENABLE``) and the operator has not switched
       the banner off (waffle switch ``survey_report_banner.disable_banner``);
    4. no report was sent (state ``generated``) in the last ``SURVEY_REPORT_CHECK_THRESHOLD``
       months, and none is pending (requested, or ``processing``, within the pending window);
    5. this user has not dismissed the banner within the same months.

    Conditions 1-2 and ``SURVEY_REPORT_ENABLE`` cost neither a query nor a cache round trip. The
    switch and 4-5 are answered by one query, cached per user until something that could change
    it happens (see :func:`invalidate`): a cached superuser page costs one cache read and no query.
    The switch is read in that query rather than with waffle's ``switch_is_active``, which would
    add a cache read to every superuser admin page and a query whenever waffle's entry is cold.
    """
    if not is_admin_path(request.path) or IS_POPUP_VAR in request.GET:
        return False
    user = getattr(request, "user", None)
    if not is_banner_audience(user):
        return False
    if not conf.survey_report_enabled():
        return False
    return _cached_decision(user.pk)


def is_admin_path(path):
    """Whether ``path`` is under the admin site's root."""
    admin_root = _admin_root(get_resolver(get_urlconf()), get_script_prefix())
    return admin_root is not None and path.startswith(admin_root)


@functools.lru_cache(maxsize=16)
def _admin_root(resolver, script_prefix):  # pylint: disable=unused-argument
    """
    ``reverse("admin:index")`` for one URL resolver and script prefix; None without an admin site.

    Memoised because ``reverse()`` costs about 20 µs and the context processor asks on every
    template render of every LMS page. Keying on the resolver object (which ``clear_url_caches()``
    replaces) and the script prefix keeps the answer right when either changes.
    """
    try:
        return reverse("admin:index", urlconf=resolver.urlconf_name)
    except NoReverseMatch:  # A host without the admin site has no page to show the banner on.
        return None


def is_banner_audience(user):
    """Whether ``user`` may see and use the banner: active, staff *and* superuser."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.is_superuser
    )


@dataclass(frozen=True)
class Decision:
    """The outcome of the database part of the rule, and the last instant it holds by time alone."""

    show: bool
    reason: str
    valid_until: datetime | None = None
    # False when the answer rests on a report row that may still change without any signal
    # (see compute_decision): such an answer is not cached.
    settled: bool = True


def months_before(moment, months):
    """Return ``moment`` shifted back by whole calendar months (31 March - 1 month = 28/29 Feb)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def months_after(moment, months):
    """Return ``moment`` shifted forward by whole calendar months."""
    return months_before(moment, -months)


def window_end(moment, months):
    """
    The last instant at which something that happened at ``moment`` is still within ``months``.

    That is the latest ``t`` with ``months_before(t, months) <= moment``. It is usually
    ``months_after(moment, months)``, but month-end clamping moves it: a report sent on 28 February
    is still "within 6 months" on 31 August, because 31 August minus 6 months is 28 February.
    """
    end = months_after(moment, months)
    while months_before(end + timedelta(days=1), months) <= moment:
        end += timedelta(days=1)
    # Within one calendar day, shifting back by months is a plain translation, so the edge lies
    # that far past `end`, but no later than the end of that day (after which the clamped day moves).
    last_of_day = end.replace(hour=23, minute=59, second=59, microsecond=999999)
    return min(end + (moment - months_before(end, months)), last_of_day)


def report_model():
    """The survey report model (edx-platform's ``SurveyReport`` unless configured otherwise)."""
    return apps.get_model(conf.report_model_label())


def recent_reports(Report, since):  # pylint: disable=invalid-name
    """
    Reports created since ``since``, newest first, looking only at the newest rows by primary key.

    edx-platform's report table has no index on ``created_at``; its primary key grows with
    ``created_at`` (rows are created once, by ``save()``), so the newest rows by primary key are
    the recent ones, found at the same cost whether the table has 10 or 100,000 rows.

    They are picked as ``pk IN (SELECT pk FROM (newest N primary keys) AS derived)``: a walk of at
    most N primary-key entries, then N primary-key lookups. (``pk >= (Nth newest pk)`` reads the
    same on SQLite, but MariaDB/MySQL cannot turn a sub-query into a range bound: they walk the
    whole primary key whenever no recent row matches, i.e. almost always. A derived table is
    needed because they refuse ``LIMIT`` directly inside ``IN (...)``.)
    """
    scanned = conf.recent_reports_scanned()
    quote = connections[Report.objects.db].ops.quote_name
    pk_column = quote(Report._meta.pk.column)  # pylint: disable=protected-access
    newest_pks = RawSQL(
        f"SELECT srb_newest.{pk_column} FROM (SELECT {pk_column} FROM {quote(Report._meta.db_table)} "  # pylint: disable=protected-access
        f"ORDER BY {pk_column} DESC LIMIT %s) srb_newest",
        (scanned,),
    )
    return Report.objects.filter(pk__in=newest_pks, created_at__gte=since).order_by("-pk")


def report_pending(requested_at, now=None):
    """
    Whether a report is on its way, within the pending window.

    On its way means a request not yet picked up by a worker, or a report row still ``processing``.
    """
    now = now or timezone.now()
    pending_since = now - conf.pending_window()
    Report = report_model()  # pylint: disable=invalid-name
    recent = recent_reports(Report, pending_since)
    if _has_state(Report) and recent.filter(state=REPORT_PROCESSING).exists():
        return True
    if requested_at is None or requested_at < pending_since:
        return False
    return not recent.filter(created_at__gte=requested_at).exists()


def _has_state(Report):  # pylint: disable=invalid-name
    return any(field.name == "state" for field in Report._meta.get_fields())  # pylint: disable=protected-access


def compute_decision(user_id, now=None):
    """
    Decide from the database whether ``user_id`` should see the banner, in one query.

    The query is built around the user's row so that it always returns exactly one row; the
    report, request and dismissal facts come back as correlated sub-queries:

    * the recent report rows come from :func:`recent_reports` (primary key index, bounded);
    * dismissals use the ``(user, dismissed_at)`` index.
    """
    now = now or timezone.now()
    months = conf.threshold_months()
    since = months_before(now, months)
    pending = conf.pending_window()
    pending_since = now - pending

    Report = report_model()  # pylint: disable=invalid-name
    has_state = _has_state(Report)

    recent = recent_reports(Report, since)
    # Releases before the ``state`` field (Palm) only created rows for finished reports.
    sent = recent.filter(state=REPORT_GENERATED) if has_state else recent
    processing = recent.filter(state=REPORT_PROCESSING, created_at__gte=pending_since) if has_state else recent.none()

    def newest(queryset, field):
        return Subquery(queryset.values(field)[:1], output_field=DateTimeField())

    row = (
        get_user_model().objects.filter(pk=user_id)
        .annotate(
            last_sent=newest(sent, "created_at"),
            last_processing=newest(processing, "created_at"),
            last_report=newest(recent, "created_at"),
            requested_at=newest(
                SurveyReportRequest.objects.filter(
                    pk=SurveyReportRequest.SINGLETON_ID, requested_at__gte=pending_since
                ),
                "requested_at",
            ),
            last_dismissed=newest(
                SurveyReportBannerDismissal.objects.filter(user=OuterRef("pk"), dismissed_at__gte=since)
                .order_by("-dismissed_at"),
                "dismissed_at",
            ),
            # The kill switch's row (unique index on name); NULL when it does not exist.
            switch_active=Subquery(
                get_waffle_switch_model().objects.filter(name=DISABLE_BANNER_SWITCH).values("active")[:1],
                output_field=BooleanField(),
            ),
        )
        .values_list(
            "last_sent", "last_processing", "last_report", "requested_at", "last_dismissed", "switch_active"
        )
        .first()
    )
    if row is None:  # The user was deleted mid-request.
        return Decision(False, "no such user")
    last_sent, last_processing, last_report, requested_at, last_dismissed, switch_active = row

    if switch_active is None:  # No such switch: waffle answers its SWITCH_DEFAULT.
        switch_active = get_waffle_setting("SWITCH_DEFAULT")
    if switch_active:
        return Decision(False, "switched off")
    if last_dismissed:
        return Decision(False, "dismissed", window_end(last_dismissed, months))
    # edx-platform moves a report from processing to generated, then (if sending fails) to error,
    # with QuerySet.update(): no signal. Inside the Celery task, task_postrun invalidates when the
    # task ends; but upstream's synchronous ``generate_report`` management command (or any direct
    # call of its api) runs no task, so nothing would ever invalidate an answer cached from a row
    # that is still moving. Such rows are young (created within the pending window): answers that
    # rest on them are recomputed on each request (one query, as upstream's banner always costs)
    # until the row is old enough to be final.
    if last_sent:
        return Decision(False, "sent", window_end(last_sent, months), settled=last_sent < pending_since)
    if last_processing:
        return Decision(False, "processing", last_processing + pending, settled=False)
    # A request is pending until the worker creates its report row; after that the row's state
    # decides (so a report that ended in ``error`` brings the banner back at once).
    if requested_at and not (last_report and last_report >= requested_at):
        return Decision(False, "requested", requested_at + pending)
    return Decision(True, "due")


def _cache():
    return caches[conf.cache_alias()]


def _cached_decision(user_id):
    """
    Return the user's decision from the cache, computing and storing it when absent or stale.

    One cache round trip reads both the user's entry and the global generation number; bumping
    the generation (:func:`invalidate`) makes every user's entry stale at once.
    """
    cache = _cache()
    key = _DECISION_KEY.format(user_id=user_id)
    now = timezone.now()
    found = cache.get_many([_GENERATION_KEY, key])
    generation = found.get(_GENERATION_KEY, 0)
    cached = found.get(key)
    if cached is not None:
        cached_generation, show, valid_until = cached
        if cached_generation == generation and (valid_until is None or now <= valid_until):
            return show

    decision = compute_decision(user_id, now=now)
    timeout = conf.cache_timeout()
    if decision.valid_until is not None:
        # Expire exactly when the passing of time would change the answer (threshold reached).
        timeout = min(timeout, max(1, int((decision.valid_until - now).total_seconds()) + 1))
    if timeout > 0 and decision.settled:
        cache.set(key, (generation, decision.show, decision.valid_until), timeout)
    return decision.show


def invalidate():
    """
    Make every cached decision stale: call after anything that may change who sees the banner.

    Bumping a generation number is atomic on the shared cache (``incr``) and works across web
    processes and Celery workers, unlike deleting per-user keys we cannot enumerate.
    """
    _bump_generation()
    if transaction.get_connection().in_atomic_block:
        # The change is not committed yet (the LMS runs views with ATOMIC_REQUESTS): a concurrent
        # request could still read the old rows and cache them under the new generation. Bump
        # once more when the change is visible to everyone (dropped if it is rolled back).
        transaction.on_commit(_bump_generation)


def _bump_generation():
    cache = _cache()
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        # Not set yet, or evicted: start from the clock so the new number can never equal one
        # that entries written before the eviction carry.
        if not cache.add(_GENERATION_KEY, time.time_ns() // 1000, timeout=None):
            cache.incr(_GENERATION_KEY)


def last_sent_report(now=None):
    """The newest report sent (state ``generated``) within the threshold, or None."""
    now = now or timezone.now()
    Report = report_model()  # pylint: disable=invalid-name
    recent = recent_reports(Report, months_before(now, conf.threshold_months()))
    if _has_state(Report):
        recent = recent.filter(state=REPORT_GENERATED)
    return recent.first()

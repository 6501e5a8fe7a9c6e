"""
The one rule that decides whether a request gets the survey report banner.

Start at :func:`decide`: it reads top to bottom as the product definition's list of conditions.
Everything cheap (path, role, settings) is checked before anything touches the cache or the
database, because the context processor calling it runs on every page of the LMS. The report,
claim and dismissal facts are one query (:func:`compute_decision`), cached per user.
"""

import functools
from dataclasses import dataclass
from datetime import datetime

from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.auth import get_user_model
from django.db.models import CharField, DateTimeField, OuterRef, Subquery
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from . import api, caching, conf, faults, gate, reports
from .models import SurveyReportAttempt, SurveyReportBannerDismissal
from .toggles import banner_disabled


@dataclass(frozen=True)
class Decision:
    """
    Whether to show the banner, why, and what is known of the last failed attempt (if one failed).

    Plain values only: the cache keeps them as a tuple, in this order (see ``caching.py``), so an
    entry written before a field was added still builds a decision (the new fields at their default).
    """

    show: bool
    reason: str
    last_error_at: datetime | None = None
    # While MAX_ATTEMPTS attempts fall within the last ATTEMPT_PERIOD: when the gate allows the next.
    retry_at: datetime | None = None
    # The newest attempt's cause code (sending.cause_of), and the state of the window's newest report row.
    last_cause: str = ""
    last_report_state: str = ""
    # False when the answer rests on a report row that may still change without any signal
    # (see compute_decision): such an answer is not cached.
    cacheable: bool = True


def decide(request):
    """
    Decide whether this request's page shows the survey report banner, and with what notice.

    The banner shows only when all of these hold:

    1. the page is under the admin site's root (``reverse("admin:index")``) and is not one of the
       admin's small pop-up windows (``?_popup=1``: "add another", raw-id lookups);
    2. the user is active, ``is_staff`` and ``is_superuser``;
    3. the site can generate reports (``SURVEY_REPORT_ENABLE``), the report task and model are
       installed, and the operator has not turned the banner off (waffle switch
       ``survey_report_banner.disable_banner``);
    4. no report was delivered in the last ``SURVEY_REPORT_CHECK_THRESHOLD`` months (a 2xx upload:
       ``generated`` alone is not delivered), and none is on its way (queued, or still being
       generated or posted, within the pending window);
    5. this user has not dismissed the banner within the same months.

    Conditions 1-3 cost no query (waffle caches the switch); 4-5 are one query, cached per user.
    Should the database or the cache fail (tables not migrated yet, cache server down), the page
    renders without the banner.
    """
    if not is_admin_path(request.path) or IS_POPUP_VAR in request.GET:
        return Decision(False, "not an admin page")
    user = getattr(request, "user", None)
    if not is_banner_audience(user):
        return Decision(False, "not a superuser")
    if not conf.survey_report_enabled() or not _installed(conf.task_path(), conf.report_model_label()):
        return Decision(False, "reports unavailable")
    try:
        if banner_disabled():
            return Decision(False, "switched off")
        return caching.cached_decision(user.pk, compute_decision, Decision)
    except faults.BANNER_FAULTS as exc:
        faults.warn("deciding whether to show the banner", exc)
        return Decision(False, "database or cache unavailable")


def should_show_banner(request):
    """Whether this request's page shows the banner (see :func:`decide`)."""
    return decide(request).show


def is_admin_path(path):
    """Whether ``path`` is under the admin site's root."""
    root = admin_root()
    return root is not None and path.startswith(root)


def admin_root():
    """``reverse("admin:index")`` for this request's URLconf and script prefix, or None (memoised)."""
    return _admin_root(get_resolver(get_urlconf()), get_script_prefix())


@functools.lru_cache(maxsize=16)
def _admin_root(resolver, script_prefix):  # pylint: disable=unused-argument
    """
    ``reverse("admin:index")`` for one URL resolver and script prefix; None without an admin site.

    Memoised because the context processor asks on every template render of every LMS page.
    Keying on the resolver object (which ``clear_url_caches()`` replaces) and the script prefix
    keeps the answer right when either changes.
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


@functools.lru_cache(maxsize=8)
def _installed(task_path, model_label):  # pylint: disable=unused-argument
    """
    Whether the report task and the report model can be used (W002 and W003 say why when not).

    The rules are :func:`api.load_report_task`'s and :func:`reports.report_model`'s, which read
    the settings themselves. Memoised per validated setting value (None for a value that is not
    a name, so that any value is a cache key): neither changes while the process runs.
    """
    try:
        api.load_report_task()
        reports.report_model()
    except (api.ReportTaskUnusable, reports.ReportModelUnusable):
        return False
    return True


def compute_decision(user_id, now=None):
    """
    Decide from the database whether ``user_id`` should see the banner, in one query.

    The query is built around the user's row so that it always returns exactly one row; the
    report, claim, attempt and dismissal facts come back as correlated sub-queries. What
    "delivered" and "on its way" mean is ``reports.py``'s; what a held claim is, and how many
    attempts an hour may bring, ``gate.py``'s. A failed report also says what is known of it (the
    newest attempt's cause, the row's state) and, while the attempts are exhausted, when the next
    one is possible: the page tells the truth without a query of its own.
    """
    now = now or timezone.now()
    since = reports.window_start(now)
    pending_since = now - conf.pending_window()
    report_rows = reports.report_model().objects
    recent = report_rows.filter(created_at__gte=since).order_by("-created_at")

    def newest(queryset, field, output_field=None, offset=0):
        return Subquery(queryset.values(field)[offset:offset + 1], output_field=output_field or DateTimeField())

    # gate.decide's rule 3, in the same query: the MAX_ATTEMPTS-th newest counted attempt, if any,
    # says when the next attempt is allowed (gate.next_attempt_at).
    attempts = SurveyReportAttempt.objects.order_by("-attempted_at")

    row = (
        get_user_model().objects.filter(pk=user_id)
        .annotate(
            last_sent=newest(recent.filter(reports.delivered()), "created_at"),
            on_its_way=newest(report_rows.filter(reports.on_its_way(now)).order_by("-created_at"), "created_at"),
            claimed_at=newest(gate.held_claims(now), "requested_at"),
            last_report=newest(recent, "created_at"),
            last_report_state=newest(recent, "state", CharField()),
            oldest_counted_attempt=newest(gate.counted_attempts(now), "attempted_at", offset=gate.MAX_ATTEMPTS - 1),
            last_cause=newest(attempts, "cause", CharField()),
            last_dismissed=newest(
                SurveyReportBannerDismissal.objects.filter(user=OuterRef("pk"), dismissed_at__gte=since),
                "dismissed_at",
            ),
        )
        .values_list("last_sent", "on_its_way", "claimed_at", "last_report", "last_dismissed",
                     "last_report_state", "oldest_counted_attempt", "last_cause")
        .first()
    )
    if row is None:  # The user was deleted mid-request.
        return Decision(False, "no such user")
    last_sent, on_its_way, claimed_at, last_report, last_dismissed, report_state, oldest_counted, cause = row

    # Upstream moves a report to generated or error with QuerySet.update(): no signal. Inside the
    # Celery task, task_postrun invalidates when the task ends; but upstream's synchronous
    # ``generate_report`` command runs no task, and a report left on its way turns failed by the
    # clock alone. So answers resting on a report row younger than the pending window are
    # recomputed on each request until the row is final.
    settled = last_report is None or last_report < pending_since
    if last_dismissed:
        return Decision(False, "dismissed")
    if last_sent:
        return Decision(False, "sent", cacheable=settled)
    if on_its_way:
        return Decision(False, "on its way", cacheable=False)
    if claimed_at:  # Queued: no worker has created its report row yet.
        return Decision(False, "requested")
    # The newest report of the window was neither delivered nor is on its way: it failed.
    retry_at = gate.next_attempt_at(oldest_counted)
    return Decision(
        True, "due", last_error_at=last_report, retry_at=retry_at, last_cause=cause or "",
        last_report_state=report_state or "", cacheable=settled,
    )

"""
The banner's two POST endpoints, *Send report* and *Dismiss*, and the report status it polls.

Both buttons are plain HTML form targets (they work with JavaScript off) that redirect back with a
Django admin message; the banner's small script may instead ask for JSON to avoid a full reload,
then follow the report's progress through ``report_status``.
"""

import math
from functools import wraps

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseForbidden, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import api, conf, faults, status
from .banner import is_banner_audience
from .toggles import banner_disabled


def _banner_endpoint(view):
    """
    Guard shared by both endpoints: POST only (405), wrong role → 403, switched off → back.

    A click on a banner loaded before the operator switched it off (or turned survey reports off)
    must not end on a bare "Not Found": the superuser goes back to their page with a message, and
    the banner's script gets a JSON answer it can show.

    CSRF is enforced by Django's CsrfViewMiddleware (the views are not exempt), which answers 403.
    A database or cache failure (tables not migrated yet, cache down) answers with a message.
    """
    @wraps(view)
    @never_cache
    @require_POST
    def wrapper(request):
        if not is_banner_audience(request.user):
            return HttpResponseForbidden(_("Only active staff superusers can answer the survey report banner."))
        try:
            if not conf.survey_report_enabled() or banner_disabled():
                return _turned_off(request)
            return view(request)
        except faults.BANNER_FAULTS as exc:
            faults.warn(f"the {view.__name__} view", exc)
            return _unavailable(request)
    return wrapper


def _turned_off(request):
    """Answer a click on a banner the operator switched off since the page was loaded."""
    text = _("The survey report banner has been turned off on this site: nothing was sent or recorded.")
    if _wants_json(request):
        return JsonResponse({"status": "turned_off", "message": text}, status=409)
    messages.info(request, text)
    return HttpResponseRedirect(_safe_next(request, fallback=_admin_index()))


def _unavailable(request, as_json=False):
    """Answer a click that the database or the cache could not serve: nothing was recorded."""
    text = str(faults.NOT_READY)
    if as_json or _wants_json(request):
        return JsonResponse({"status": "unavailable", "message": text}, status=503)
    messages.error(request, text)
    return HttpResponseRedirect(_safe_next(request, fallback=_admin_index()))


# The LMS runs views in one transaction (ATOMIC_REQUESTS, as Tutor configures it). The send gate
# manages its own short transaction around the request row's lock (gate.claim), and Dismiss writes
# in autocommit: inside the request's transaction, concurrent first clicks on MariaDB deadlock on
# duplicate-key and gap locks, and the lock would be held until the page is rendered. See ADR 0002.
@transaction.non_atomic_requests
@_banner_endpoint
def send_report(request):
    """Enqueue the survey report task, then go back with a message saying what happened."""
    result = api.request_report(request.user)
    reports_url = api.reports_url()
    level, text = api.outcome_message(result)
    ok = level not in (messages.ERROR, messages.WARNING)  # Enqueued, or nothing to do: it is (being) sent.
    if _wants_json(request):
        if result.outcome is api.RequestOutcome.TOO_SOON:
            response = JsonResponse(
                {"status": result.outcome.value, "message": text, "retry_at": result.retry_at.isoformat()},
                status=429,
            )
            response["Retry-After"] = str(max(1, math.ceil((result.retry_at - timezone.now()).total_seconds())))
            return response
        return JsonResponse({"status": result.outcome.value, "message": text}, status=200 if ok else 503)
    if reports_url and ok:
        text = format_html('{} <a href="{}">{}</a>', text, reports_url, _("View survey reports"))
    messages.add_message(request, level, text)
    return HttpResponseRedirect(_safe_next(request, fallback=reports_url or _admin_index()))


@transaction.non_atomic_requests
@_banner_endpoint
def dismiss_banner(request):
    """Record the dismissal for this user, then go back to the page they were on."""
    api.dismiss(request.user)
    months = conf.threshold_months()
    text = ngettext(
        "The survey report banner is dismissed. You will not be asked again for %(months)s month.",
        "The survey report banner is dismissed. You will not be asked again for %(months)s months.",
        months,
    ) % {"months": months}
    if _wants_json(request):
        return JsonResponse({"status": "dismissed", "message": text})
    messages.info(request, text)
    return HttpResponseRedirect(_safe_next(request, fallback=_admin_index()))


@never_cache
@require_GET
def report_status(request):
    """
    JSON: the state of the report the last *Send report* asked for, polled by the banner's script.

    Superusers only (as the buttons). It stays available when the banner is switched off: it only
    tells what became of a report already requested.
    """
    if not is_banner_audience(request.user):
        return JsonResponse(
            {"message": _("Only active staff superusers can answer the survey report banner.")}, status=403
        )
    try:
        current = status.last_request_status()
    except faults.BANNER_FAULTS as exc:
        # The script treats this as a missed poll and asks again, within its time bound.
        faults.warn("the report status view", exc)
        return _unavailable(request, as_json=True)
    return JsonResponse({
        "state": current.state.value,
        "message": _status_message(current),
        "requested_at": current.requested_at.isoformat() if current.requested_at else None,
        "created_at": current.created_at.isoformat() if current.created_at else None,
        "reports_url": api.reports_url(),
    })


def _status_message(current):
    state = status.ReportState
    if current.state is state.FAILED and current.lost:
        return _("No worker picked up the survey report in time, so nothing was sent. You can try again.")
    return {
        state.NONE: _("No survey report was requested from the banner yet."),
        state.QUEUED: _("Queued: waiting for a worker to generate the survey report."),
        state.GENERATING: _("Generating the survey report and sending it to Axim Collaborative."),
        state.SENT: _("Sent. Thank you for sharing the survey report!"),
        state.FAILED: _("The survey report could not be generated or sent. You can try again."),
    }[current.state]


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _safe_next(request, fallback):
    """The posted ``next`` if it is a local URL on this host; otherwise ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _admin_index():
    return reverse("admin:index")


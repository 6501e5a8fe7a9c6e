"""
The banner's two POST endpoints: *Send report* and *Dismiss*.

Both are plain HTML form targets (they work with JavaScript off) that redirect back with a Django
admin message; the banner's small script may instead ask for JSON to avoid a full reload.
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import api, conf, faults
from .banner import is_banner_audience
from .toggles import banner_disabled


def _banner_endpoint(view):
    """
    Guard shared by both endpoints: POST only (405), switched off → 404, wrong role → 403.

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
                raise Http404("The survey report banner is turned off on this site.")
            return view(request)
        except faults.BANNER_FAULTS as exc:
            faults.warn(f"the {view.__name__} view", exc)
            return _unavailable(request)
    return wrapper


def _unavailable(request):
    """Answer a click that the database or the cache could not serve: nothing was recorded."""
    text = str(faults.NOT_READY)
    if _wants_json(request):
        return JsonResponse({"status": "unavailable", "message": text}, status=503)
    messages.error(request, text)
    return HttpResponseRedirect(_safe_next(request, fallback=_admin_index()))


@_banner_endpoint
def send_report(request):
    """Enqueue the survey report task, then go back with a message saying what happened."""
    outcome = api.request_report(request.user)
    reports_url = api.reports_url()
    level, text = api.outcome_message(outcome)
    ok = level != messages.ERROR  # Enqueued, or nothing to do: the report is (being) sent.
    if _wants_json(request):
        return JsonResponse({"status": outcome.value, "message": text}, status=200 if ok else 503)
    if reports_url and ok:
        text = format_html('{} <a href="{}">{}</a>', text, reports_url, _("View survey reports"))
    messages.add_message(request, level, text)
    return HttpResponseRedirect(_safe_next(request, fallback=reports_url or _admin_index()))


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


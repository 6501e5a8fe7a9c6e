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
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import api, conf, faults, preview, reports, status, wording
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
        if result.outcome is api.RequestOutcome.ENQUEUED:
            # The banner follows the report from here (queued, generating, sent or failed): a
            # promise of "sent in a few minutes" would be contradicted by its next poll.
            text = _status_message(status.ReportStatus(status.ReportState.QUEUED))
        answer = {"status": result.outcome.value, "message": text}
        if result.outcome is api.RequestOutcome.ALREADY_SENT:
            # Another superuser's report went out: the banner ends on the same line as after its own.
            answer.update(_sent_answer(getattr(reports.last_sent_report(), "pk", None)))
        return JsonResponse(answer, status=200 if ok else 503)
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
    reports_url = api.reports_url()
    if _report_just_sent():
        # The page was loaded before another superuser's report went out: that is the news.
        text = ngettext(
            "A survey report was just sent from this site, so nobody will be asked again for %(months)s month.",
            "A survey report was just sent from this site, so nobody will be asked again for %(months)s months.",
            months,
        ) % {"months": months}
        html = text
    else:
        # A dismissal is one user's row: say so, and where a report can still be sent from.
        text = html = ngettext(
            "The survey report banner is dismissed for you only: you will not be asked again for %(months)s "
            "month. Other superusers still see it.",
            "The survey report banner is dismissed for you only: you will not be asked again for %(months)s "
            "months. Other superusers still see it.",
            months,
        ) % {"months": months}
        if reports_url:
            where = _("You can still send a report at any time from the survey report list: %(url)s.")
            text = f"{text} {where % {'url': reports_url}}"
            link = format_html('<a href="{}">{}</a>', reports_url, reports_url)
            html = format_html("{} {}", html, mark_safe(conditional_escape(where) % {"url": link}))  # noqa: S308
    if _wants_json(request):
        # The script shows the text and links the list's URL in it.
        return JsonResponse({"status": "dismissed", "message": text, "reports_url": reports_url})
    messages.info(request, html)
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
    except reports.ReportModelUnusable:  # System check W003 says why; as *Send report* answers
        text = api.outcome_message(api.RequestResult(api.RequestOutcome.TASK_UNAVAILABLE))[1]
        return JsonResponse({"status": api.RequestOutcome.TASK_UNAVAILABLE.value, "message": text}, status=503)
    answer = {
        "state": current.state.value,
        "message": _status_message(current),
        "requested_at": current.requested_at.isoformat() if current.requested_at else None,
        "created_at": current.created_at.isoformat() if current.created_at else None,
        "reports_url": api.reports_url(),
        # The worker records a failure's cause when its task ends, a moment after the row's state:
        # the script waits a little for it rather than settle on "unknown".
        "cause": current.cause,
    }
    if current.state is status.ReportState.SENT:
        answer.update(_sent_answer(current.report_id))
    return JsonResponse(answer)


def _sent_answer(report_id):
    """What the banner's one confirmation line needs once a report reached the project (issue 21)."""
    url = api.reports_url()
    if report_id is not None:
        try:
            url = reverse("admin:survey_report_surveyreport_change", args=[report_id])
        except NoReverseMatch:
            pass  # A report admin without change pages: the list, at least.
    return {
        "report_url": url,
        "report_link": _("See the report"),
        "hidden_message": wording.sent_hidden_sentence(conf.threshold_months()),
    }


def _status_message(current):
    state = status.ReportState
    if current.state is state.FAILED and current.lost:
        return _("No worker picked up the survey report in time, so nothing was sent. You can try again.")
    if current.state is state.FAILED:
        # What is known: the attempt's cause and the row's state (generated but not sent, or not generated).
        return f"{wording.failure_sentence(current.cause, current.report_state)} {wording.try_again()}"
    return {
        state.NONE: _("No survey report was requested from the banner yet."),
        state.QUEUED: _("Queued: waiting for a worker to generate the survey report."),
        state.GENERATING: _("Generating the survey report and sending it to Axim Collaborative."),
        state.SENT: _("Sent. Thank you for sharing the survey report!"),
    }[current.state]


def _report_just_sent():
    """Whether a report reached the project within the window (the banner would not show any more)."""
    try:
        # A savepoint: a failed read must not spoil a caller's transaction.
        with transaction.atomic():
            return reports.last_sent_report() is not None
    except (LookupError, ValueError, *faults.BANNER_FAULTS) as exc:
        faults.warn("reading whether a report was just sent", exc)
        return False


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



# --------------------------------------------------------------------------------------------
# Preview (issue 16): this site's real numbers, counted on a worker when a superuser asks.
# --------------------------------------------------------------------------------------------

@_banner_endpoint
def preview_report(request):
    """
    Ask a worker to count the report's totals (POST only); JSON for the banner's script.

    Without JavaScript the click goes back to the page, at the preview, with *What is sent* open:
    that page says whether the count still runs or shows its numbers (see ``_preview_redirect``).
    Nothing is saved as a report and nothing is POSTed anywhere.
    """
    if not preview.available():
        return _preview_answer(request, "unavailable", _preview_unavailable_message(), status=409,
                               level=messages.ERROR)
    outcome = preview.request_preview()
    if outcome is preview.Outcome.BROKER_UNAVAILABLE:
        text = _(
            "The preview could not be counted because the task queue is unreachable. Nothing was counted "
            "or sent. Please try again later, or ask your operator to check the Celery broker."
        )
        return _preview_answer(request, "broker_unavailable", text, status=503, level=messages.ERROR)
    if outcome is preview.Outcome.READY:
        result, state = preview.current()
        answer = _preview_json(result, state)
        if answer["status"] == "ready":
            # Not counted again: say which count this is, so that nobody takes it for a new one.
            answer["message"] = preview_reused_message(result["counted_at"])
        if _wants_json(request):
            return JsonResponse(answer)
        messages.info(request, answer["message"])
        return _preview_redirect(request)
    if _wants_json(request):
        return JsonResponse({"status": "counting", "message": _counting_message()}, status=202)
    # Without JavaScript the page it goes back to says, when it is rendered, whether the count is
    # still running ("reload in a moment") or done (the numbers, shown open): a message decided now
    # would still say "counting" on a page that already has the numbers.
    return _preview_redirect(request)


@never_cache
@require_GET
def preview_result(request):
    """
    JSON: the kept preview and whether a count is running, polled by the banner's script.

    Superusers only. It never counts anything: it reads the shared cache (no query).
    """
    if not is_banner_audience(request.user):
        return JsonResponse(
            {"message": _("Only active staff superusers can answer the survey report banner.")}, status=403
        )
    try:
        result, state = preview.current()
    except faults.BANNER_FAULTS as exc:
        faults.warn("the report preview view", exc)
        return _unavailable(request, as_json=True)
    return JsonResponse(_preview_json(result, state))


def _preview_redirect(request):
    """
    Back to the page, at the preview, with "What is sent" open there (no JavaScript).

    A short-lived cookie, not the session: the banner reads it for free, and it lasts as long as
    the count may run (:func:`preview.lock_bound`), so each reload until the numbers are in shows them.
    """
    response = HttpResponseRedirect(_safe_next(request, fallback=_admin_index()) + "#" + preview.ANCHOR)
    response.set_cookie(
        preview.OPEN_COOKIE, "1", max_age=int(preview.lock_bound().total_seconds()), secure=request.is_secure(),
        httponly=True, samesite="Lax",
    )
    return response


def _preview_answer(request, state, text, status, level):
    if _wants_json(request):
        return JsonResponse({"status": state, "message": text}, status=status)
    messages.add_message(request, level, text)
    return HttpResponseRedirect(_safe_next(request, fallback=_admin_index()))


def _counting_message():
    return _("Counting this site's totals on a worker. Nothing is sent or saved.")


def _preview_unavailable_message():
    return _(
        "This site cannot preview the survey report: edx-platform's survey report functions "
        "(openedx.features.survey_report.api) are missing."
    )


def preview_lost_message():
    """What a count that cannot still be running is told (its worker never took it, or stopped)."""
    return _("The count did not finish: no worker took it in time, or the worker stopped. Nothing was sent. "
             "You can try again.")


def _preview_json(result, state):
    """The preview as the banner's script shows it: state, message, and the body when counted."""
    if state == "counting":
        return {"status": "counting", "message": _counting_message()}
    if state == "lost":
        return {"status": "lost", "message": preview_lost_message()}
    if result is None:
        return {"status": "none", "message": _("No preview was counted recently.")}
    counted_at = result["counted_at"]
    if result["state"] != "ready":
        return {
            "status": "failed",
            "counted_at": counted_at.isoformat(),
            "message": _("The totals could not be counted (the worker's log says why). Nothing was sent. "
                         "You can try again."),
        }
    return {
        "status": "ready",
        "counted_at": counted_at.isoformat(),
        "message": preview_counted_message(counted_at),
        "body": result["body"],
        "json": result["json"],
    }


def preview_counted_message(counted_at):
    """"Counted on <date>": the sentence above the preview's numbers, on the page and in the JSON."""
    return _("Counted on %(date)s") % {"date": wording.when(counted_at)}


def preview_reused_message(counted_at):
    """
    A second *Preview* within ``preview.RECOUNT_AFTER``: the kept count, and from when (its time and zone).

    The zone is named (``wording.when``): a superuser elsewhere would otherwise read another time of day.
    """
    minutes = int(preview.RECOUNT_AFTER.total_seconds() // 60)
    return ngettext(
        "This is the count from %(time)s: a count less than %(minutes)s minute old is shown again, "
        "not counted again.",
        "This is the count from %(time)s: a count less than %(minutes)s minutes old is shown again, "
        "not counted again.",
        minutes,
    ) % {"time": wording.when(counted_at, with_date=False), "minutes": minutes}

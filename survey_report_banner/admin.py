"""
Django admin for the banner: read-only records of dismissals and attempts, and the guarded re-send.
"""

import logging

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseForbidden
from django.utils.translation import gettext as _

from . import api, gate, reports
from .api import too_soon_message
from .banner import is_banner_audience
from .models import SurveyReportAttempt, SurveyReportBannerDismissal

log = logging.getLogger(__name__)


class RecordAdmin(admin.ModelAdmin):
    """
    A record the app writes and nobody edits: listed and viewed, never added, changed or deleted.

    Deleting a dismissal would silently show the banner again; deleting attempts would lift the
    bound on attempts while sending fails.
    """

    def has_add_permission(self, request):
        """Only the banner's buttons and the send gate record these."""
        return False

    def has_change_permission(self, request, obj=None):
        """History: never edited."""
        return False

    def has_delete_permission(self, request, obj=None):
        """History: kept."""
        return False


@admin.register(SurveyReportBannerDismissal)
class SurveyReportBannerDismissalAdmin(RecordAdmin):
    """Who dismissed the banner, and when last."""

    list_display = ("user", "dismissed_at")
    list_filter = ("dismissed_at",)
    search_fields = ("user__username", "user__email")
    date_hierarchy = "dismissed_at"
    list_select_related = ("user",)
    readonly_fields = ("user", "dismissed_at")


@admin.register(SurveyReportAttempt)
class SurveyReportAttemptAdmin(RecordAdmin):
    """Every attempt to send a report, by any path, as the send gate recorded it."""

    list_display = ("attempted_at", "trigger", "user")
    list_filter = ("trigger", "attempted_at")
    list_select_related = ("user",)
    readonly_fields = ("attempted_at", "trigger", "user")


RESEND_ACTION = "send_report"


class GuardedResendMixin:
    """
    Upstream's "Send report to external API" action, for active staff superusers, through the gate.

    Upstream's action re-sends every selected report, inline, for any staff user who may view the
    report list, and lets a refused POST become a server error. Here: only active staff superusers
    are offered it (others get 403 if they post it anyway); the send gate decides first (one report
    per window, one on its way at a time, the attempts bound); one report is re-sent, the newest
    selected, by a task on a worker (``tasks.resend_survey_report``) under the same time limits as
    every other send; and the request answers at once with a message.
    """

    @admin.action(description="Send report to external API", permissions=["send_survey_report"])
    def send_report(self, request, queryset):
        """Queue a re-send of the newest selected report, if the gate allows."""
        from .tasks import resend_survey_report  # pylint: disable=import-outside-toplevel

        chosen = queryset.order_by("-created_at", "-pk").first()
        if chosen is None:
            return None
        try:
            verdict = gate.claim(
                SurveyReportAttempt.RESEND, request.user,
                enqueue=lambda claimed_at: api.enqueue(
                    resend_survey_report, args=(chosen.pk, claimed_at.isoformat()), claimed_at=claimed_at,
                ).id,
            )
        except api.BrokerUnavailable:
            level, text = api.outcome_message(api.RequestResult(api.RequestOutcome.BROKER_UNAVAILABLE))
            self.message_user(request, text, level)
            return None
        if not verdict.may_send:
            self.message_user(request, _refusal(verdict), messages.WARNING)
            return None
        text = _("Survey report %(id)s is being sent again. Its state in this list shows when it arrived.") % {
            "id": chosen.pk}
        if queryset.count() > 1:
            text += " " + _("Only one report is sent at a time: the newest of those selected.")
        self.message_user(request, text, messages.SUCCESS)
        return None

    def has_send_survey_report_permission(self, request):
        """Only active staff superusers may send reports (upstream lets any staff user who may view)."""
        return is_banner_audience(request.user)

    @transaction.non_atomic_requests
    def changelist_view(self, request, extra_context=None):
        """
        403 for a posted re-send from anyone else; and no request-wide transaction.

        The LMS runs views in one transaction (``ATOMIC_REQUESTS``): the gate's claim must be
        committed before the POST goes out, for other processes to see it.
        """
        if request.method == "POST" and request.POST.get("action") == RESEND_ACTION \
                and not is_banner_audience(request.user):
            return HttpResponseForbidden(_("Only active staff superusers can send survey reports."))
        return super().changelist_view(request, extra_context)


def _refusal(verdict):
    """The message for a re-send the gate refused."""
    if verdict.outcome is gate.Outcome.ALREADY_SENT:
        return _("A survey report was already sent recently: nothing was sent now.")
    if verdict.outcome is gate.Outcome.ON_ITS_WAY:
        return _("A survey report is already on its way: nothing was sent now.")
    return too_soon_message(verdict.retry_at)


def guard_report_admin(site=admin.site):
    """
    Replace the report list's admin with one whose re-send action goes through the gate.

    Called from ``AppConfig.ready()``: the admin's autodiscovery has registered upstream's
    ``SurveyReportAdmin`` by then (plugin apps come after every platform app), and the admin's
    URLs are built later, from the registry, when the URLconf is first loaded.
    """
    try:
        model = reports.report_model()
    except reports.ReportModelUnusable:
        return  # System check W003 says why.
    registered = site._registry.get(model)  # pylint: disable=protected-access
    if registered is None or isinstance(registered, GuardedResendMixin):
        return
    if RESEND_ACTION not in (registered.actions or ()):
        return
    guarded = type(f"Guarded{type(registered).__name__}", (GuardedResendMixin, type(registered)), {
        "__module__": __name__,
    })
    site.unregister(model)
    site.register(model, guarded)

"""
Guard edx-platform's own "Generate Report" endpoint, which any logged-in user can POST to.

Upstream's ``POST /survey_report/generate_report`` (URL name ``openedx.generate_survey_report``,
behind the report list's "Generate Report" button) only requires a login: a learner's POST makes
the site generate a report and send it to the Open edX project. A plugin's URLs come after the
LMS's, so the route cannot be shadowed; this middleware, appended to ``MIDDLEWARE`` by
``plugin_settings``, answers for it instead (see docs/decisions/0004-guard-upstream-generate-endpoint.rst).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from . import api, conf, faults
from .banner import is_banner_audience
from .models import SurveyReportAttempt

GUARDED_URL_NAME = "openedx.generate_survey_report"


class GenerateReportGuardMiddleware(MiddlewareMixin):
    """
    Let only active staff superusers generate reports through upstream's endpoint, once.

    Their POST goes through :func:`survey_report_banner.api.request_report`, the same gate as
    *Send report* (one task however many clicks, bounded broker timeout), and they land on the
    report list with the same message. Any other logged-in user gets 403 and nothing is enqueued.
    Everything else is left to upstream's view: other methods (405), anonymous users (its
    ``login_required`` redirect), and every request when ``SURVEY_REPORT_BANNER_GUARD_GENERATE_ENDPOINT``
    is False.

    It must come after ``CsrfViewMiddleware``, ``AuthenticationMiddleware`` and
    ``MessageMiddleware``: answering from ``process_view`` skips the ``process_view`` of any later
    middleware, and the CSRF check is one. ``plugin_settings`` appends it last; the system check
    ``survey_report_banner.W006`` says when it is missing or placed too early.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):  # pylint: disable=unused-argument
        """Answer a POST to upstream's endpoint; return None to let upstream's view answer."""
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != GUARDED_URL_NAME:
            return None
        if request.method != "POST" or not conf.guard_generate_endpoint():
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # Upstream's login_required sends them to the login page, as a user expects.
        if not is_banner_audience(user):
            return HttpResponseForbidden(_("Only active staff superusers can generate survey reports."))
        if not conf.survey_report_enabled():
            # As *Send report*: a site that cannot generate reports has no such endpoint.
            raise Http404("Survey reports are disabled on this site.")
        try:
            level, text = api.outcome_message(api.request_report(user, SurveyReportAttempt.ENDPOINT))
        except faults.BANNER_FAULTS as exc:  # not migrated yet, or the cache is down
            faults.warn("the guarded Generate Report button", exc)
            level, text = messages.ERROR, faults.NOT_READY
        messages.add_message(request, level, text)
        # Upstream lands on the report list; so do we (the admin index if the list is missing).
        return HttpResponseRedirect(api.reports_url() or reverse("admin:index"))

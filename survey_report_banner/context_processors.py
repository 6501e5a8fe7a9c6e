"""
Template context for the banner. Runs on every template render of the LMS (Django and Mako).
"""

import functools
import logging

from django.templatetags.static import static
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from . import api, banner, conf, preview, wording

# edx-platform (Redwood and later) renders its own, older banner from this variable in
# lms/templates/admin/base_site.html. Ours replaces it, so it is always False when we run.
_UPSTREAM_FLAG = "show_survey_report_banner"

log = logging.getLogger(__name__)


def survey_report_banner(request):
    """
    Add ``survey_report_banner`` (the banner's data, or None) and silence the upstream banner.

    Returns at once, without touching the cache or the database, for every request that is not
    a superuser on an admin page (see :func:`survey_report_banner.banner.decide`).
    """
    decision = banner.decide(request) if request is not None else None
    if decision is None or not decision.show:
        return {_UPSTREAM_FLAG: False, "survey_report_banner": None}
    return {
        _UPSTREAM_FLAG: False,
        "survey_report_banner": {
            **_urls(get_resolver(get_urlconf()), get_script_prefix()),
            # The admin index has room for the whole message; every other admin page (change
            # lists, forms) gets one line and the buttons, the message one click away.
            "compact": request.path != banner.admin_root(),
            # "What is sent", from settings only: showing it never counts anything.
            "extra_data": conf.report_extra_data(),
            "site_domain": conf.report_site_domain(),
            "next": request.get_full_path(),
            # The last attempt within the window failed (the POST to the project did not go through).
            "last_error_at": decision.last_error_at,
            # What is known of it, and whether the send gate refuses attempts until later (issue 21).
            **_failure(decision),
            # Preview and "what was sent last time" (issue 16): one cache round trip when warm.
            **preview.banner_context(),
            # A *Preview* clicked without JavaScript: "What is sent" is rendered open (views._preview_redirect).
            "preview_open": preview.OPEN_COOKIE in request.COOKIES,
            "css_url": _static_url("survey_report_banner/banner.css"),
            "js_url": _static_url("survey_report_banner/banner.js"),
        },
    }


def _failure(decision):
    """
    The failure notice's sentences and the send gate's ``retry_at``, from the decision's plain values.

    A cached decision may outlive its ``retry_at`` (up to ``SURVEY_REPORT_BANNER_CACHE_TIMEOUT``):
    once that time has passed, attempts are possible again and the page says so.
    """
    retry_at = decision.retry_at if decision.retry_at and decision.retry_at > timezone.now() else None
    if decision.last_error_at is None and retry_at is None:
        return {"failure_notice": None, "retry_at": None}
    sentences = []
    if decision.last_error_at is not None:
        sentences.append(wording.failure_sentence(decision.last_cause, decision.last_report_state))
        sentences.append(wording.last_attempt_sentence(decision.last_error_at))
    sentences.append(wording.exhausted_sentence(retry_at) if retry_at else wording.try_again())
    return {"failure_notice": " ".join(sentences), "retry_at": retry_at}


@functools.lru_cache(maxsize=16)
def _urls(resolver, script_prefix):  # pylint: disable=unused-argument
    """
    The banner's URLs for one URL resolver and script prefix, memoised as ``banner._admin_root`` is.

    The processor runs on every render; the URLs only change with the URLconf or the prefix.
    """
    urlconf = resolver.urlconf_name
    return {
        "send_url": reverse("survey_report_banner:send", urlconf=urlconf),
        "dismiss_url": reverse("survey_report_banner:dismiss", urlconf=urlconf),
        "status_url": reverse("survey_report_banner:status", urlconf=urlconf),
        "preview_url": reverse("survey_report_banner:preview", urlconf=urlconf),
        "preview_result_url": reverse("survey_report_banner:preview_result", urlconf=urlconf),
        "reports_url": api.reports_url(urlconf),
    }


def _static_url(path):
    """
    The URL of one of our static files, or None when the static pipeline does not know it.

    With the LMS's manifest storage, a package installed after ``collectstatic`` has no manifest
    entry and ``{% static %}`` raises: that would turn every admin page into a 500 for superusers.
    Without its stylesheet and script the banner still works (plain forms), so degrade instead.
    """
    try:
        return static(path)
    except ValueError:
        log.warning("%s is not in the static files manifest: run collectstatic", path)
        return None


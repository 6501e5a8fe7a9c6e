"""
Template context for the banner. Runs on every template render of the LMS (Django and Mako).
"""

from django.urls import reverse

from . import api
from .banner import should_show_banner

# edx-platform (Redwood and later) renders its own, older banner from this variable in
# lms/templates/admin/base_site.html. Ours replaces it, so it is always False when we run.
_UPSTREAM_FLAG = "show_survey_report_banner"


def survey_report_banner(request):
    """
    Add ``survey_report_banner`` (the banner's data, or None) and silence the upstream banner.

    Returns at once, without touching the cache or the database, for every request that is not
    a superuser on an admin page (see :func:`survey_report_banner.banner.should_show_banner`).
    """
    if request is None or not should_show_banner(request):
        return {_UPSTREAM_FLAG: False, "survey_report_banner": None}
    return {
        _UPSTREAM_FLAG: False,
        "survey_report_banner": {
            "send_url": reverse("survey_report_banner:send"),
            "dismiss_url": reverse("survey_report_banner:dismiss"),
            "reports_url": api.reports_url(),
            "next": request.get_full_path(),
        },
    }


"""
Toggles of the survey report banner.
"""

from waffle import switch_is_active

# .. toggle_name: survey_report_banner.disable_banner
# .. toggle_implementation: WaffleSwitch
# .. toggle_default: False
# .. toggle_description: Kill switch for operators who never want their superusers asked to send
#   the survey report. While active, no superuser sees the banner and the *Send report* and
#   *Dismiss* endpoints answer 404. It takes effect on the next request:
#   ``./manage.py lms waffle_switch survey_report_banner.disable_banner on --create``.
# .. toggle_use_cases: opt_out
# .. toggle_creation_date: 2026-11-25
# .. toggle_target_removal_date: None
# .. toggle_warning: This only hides the invitation; reports can still be generated from
#   /admin/survey_report/surveyreport/ or by the Tutor plugin's scheduled job.
DISABLE_BANNER_SWITCH = "survey_report_banner.disable_banner"


def banner_disabled():
    """
    Whether the operator switched the banner off for everyone.

    django-waffle keeps switches in Django's cache and clears that entry when the switch is saved,
    so a flip is seen on the next request without a database query on every page.
    """
    return switch_is_active(DISABLE_BANNER_SWITCH)

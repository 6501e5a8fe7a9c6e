"""
Toggles of the survey report banner.
"""

from edx_toggles.toggles import WaffleSwitch

# .. toggle_name: survey_report_banner.disable_banner
# .. toggle_implementation: WaffleSwitch
# .. toggle_default: False
# .. toggle_description: Kill switch for operators who never want their superusers asked to send
#   the survey report. While active, no superuser sees the banner, and a click on *Send report* or
#   *Dismiss* from a page loaded earlier only says that the banner is turned off. It takes effect
#   on the next request: ``./manage.py lms waffle_switch survey_report_banner.disable_banner on --create``.
# .. toggle_use_cases: opt_out
# .. toggle_creation_date: 2026-11-25
# .. toggle_target_removal_date: None
# .. toggle_warning: This only hides the invitation; reports can still be generated from
#   /admin/survey_report/surveyreport/ or by the Tutor plugin's scheduled job.
DISABLE_BANNER = WaffleSwitch("survey_report_banner.disable_banner", module_name=__name__)
DISABLE_BANNER_SWITCH = DISABLE_BANNER.name


def banner_disabled():
    """
    Whether the operator switched the banner off for everyone.

    django-waffle keeps switches in Django's cache and clears the entry when the switch is saved;
    edx-toggles adds a per-request memo. A warm page reads the switch without a query.
    """
    return DISABLE_BANNER.is_enabled()

"""
``{% load survey_report_banner %}``: the banner's times, in the site's zone and naming it.

``|srb_when`` is :func:`survey_report_banner.wording.when`, so a time on the page reads exactly as
the same time in a message or a JSON answer.
"""

from django import template

from .. import wording

register = template.Library()


@register.filter
def srb_when(value):
    """An aware datetime as "Nov. 2, 2026, 9:30 a.m. UTC" (the site's ``TIME_ZONE``); "" for None."""
    return wording.when(value)

"""
``{% load survey_report_banner %}``: the banner itself, and its times in the site's zone.

``{% srb_banner %}`` renders ``survey_report_banner/banner.html`` as ``{% include %}``
would, through :mod:`survey_report_banner.rendering` (once per state and language, the request's
CSRF token and ``next`` filled in). ``|srb_when`` is :func:`survey_report_banner.wording.when`, so
a time on the page reads exactly as the same time in a message or a JSON answer.
"""

from django import template
from django.utils.safestring import mark_safe

from .. import rendering, wording

register = template.Library()


@register.simple_tag(takes_context=True, name="srb_banner")
def banner(context):
    """The banner's HTML for this page (empty when the context has no banner)."""
    return mark_safe(rendering.render(context))  # nosec: the template's own output, escaped by it


@register.filter
def srb_when(value):
    """An aware datetime as "Nov. 2, 2026, 9:30 a.m. UTC" (the site's ``TIME_ZONE``); "" for None."""
    return wording.when(value)

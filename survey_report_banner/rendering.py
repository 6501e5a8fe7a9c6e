"""
The banner's HTML, rendered once per state and language and kept in this process.

The banner template is the largest part of what the app adds to a superuser's admin page (a
hundred lines of ``{% translate %}``, loops and conditions), yet its output only changes when what
it shows changes. So :func:`render` keys the HTML by a digest of *the values the template renders*:
the context processor's ``survey_report_banner`` dict (everything but ``next``), the active
language, the current time zone, and the context's escaping and localisation flags. A state the
template has already rendered is served from memory; any change of state (a dismissal, a send, a
preview counted, a report row, a setting) changes the dict, hence the key: a stale banner is
impossible by construction, in every process, with nothing to invalidate. The dict holds plain
values only (strings, numbers, datetimes, lazy translations, lists and dicts of them).

Two parts of the page belong to the request and are never kept: the CSRF token of each form and
``next`` (the request's full path). The template is rendered with placeholders for them, and each
request fills them in exactly as the template would have (``{% csrf_token %}``'s own node, and
Django's own escaping of ``{{ srb.next }}``). The template must print ``next`` only as
``{{ srb.next }}`` (``tests/test_rendering.py`` checks it). See docs/decisions/0008-banner-html-cache.rst.
"""

import hashlib
import pickle
import re
import secrets

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone, translation

TEMPLATE_NAME = "survey_report_banner/banner.html"

#: States times languages a process keeps (a few are live at once); emptied when full.
MAX_ENTRIES = 128

# Random per process, so that no value shown in the banner can ever contain one by chance or on purpose.
_SLOT = "srbslot" + secrets.token_hex(16)
_NEXT = _SLOT + "next"
_CSRF = _SLOT + "csrf"
# {% csrf_token %} renders a whole <input> (or nothing, without a token): the placeholder is that input.
_CSRF_MARKUP = CsrfTokenNode().render(Context({"csrf_token": _CSRF}))
_SLOTS = re.compile(f"({re.escape(_CSRF_MARKUP)}|{_NEXT})")

# (template, digest) -> the HTML split at its placeholders: literal text at even indexes, slots at odd.
_kept = {}


def render(context):
    """
    The banner's HTML for this template context (which holds ``survey_report_banner``), as Django would render it.

    Renders the template at most once per state; a state whose values cannot be digested is
    rendered every time, as before.
    """
    template = context.template.engine.get_template(TEMPLATE_NAME)
    srb = context.get("survey_report_banner")
    if not srb:
        return template.render(context)
    key = _digest(context, srb)
    parts = _kept.get((template, key)) if key else None
    if parts is None:
        with context.push(survey_report_banner={**srb, "next": _NEXT}, csrf_token=_CSRF):
            parts = _SLOTS.split(template.render(context))
        if any(_SLOT in literal for literal in parts[::2]):
            # A placeholder printed some other way than the two we fill (a theme's template using
            # the token or next otherwise): this state is not kept, the template renders each time.
            return template.render(context)
        if key:
            if len(_kept) >= MAX_ENTRIES:
                _kept.clear()
            _kept[(template, key)] = parts
    return _fill(parts, context, srb)


def _fill(parts, context, srb):
    """The kept HTML with this request's CSRF input and ``next``, each exactly as the template prints it."""
    values = {}
    out = list(parts)
    for i in range(1, len(out), 2):
        if out[i] not in values:
            values[out[i]] = (CsrfTokenNode().render(context) if out[i] == _CSRF_MARKUP
                              else render_value_in_context(srb.get("next"), context))
        out[i] = values[out[i]]
    return "".join(out)


def _digest(context, srb):
    """
    A digest of everything the banner's HTML depends on but ``next`` and the CSRF token; None if it has none.

    Pickle is exact (a tuple is not a list, 1 is not "1") and fast; a lazy translation pickles as
    its message, which the active language, part of the key, turns into text. Equal states may
    pickle apart (one object shared where another state has two equal ones: a value just read from
    the database, then from the cache): that costs one more render, never a wrong page.
    """
    state = (
        {name: value for name, value in srb.items() if name != "next"},
        translation.get_language(), timezone.get_current_timezone_name(),
        context.autoescape, context.use_l10n, context.use_tz,
    )
    try:
        return hashlib.blake2b(pickle.dumps(state, pickle.HIGHEST_PROTOCOL), digest_size=16).digest()
    except Exception:  # pylint: disable=broad-except  # an unpicklable value: render, do not keep
        return None


@receiver(setting_changed)
def _forget(**kwargs):  # pylint: disable=unused-argument
    """
    Drop the kept HTML when a setting changes (tests' ``override_settings``; never in production).

    The template also reads settings the state does not carry (date formats, translation catalogs).
    """
    _kept.clear()

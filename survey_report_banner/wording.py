"""
What the banner tells a superuser about times and failed sends, translated, in one place.

Two rules live here so that every page, JSON answer and message says the same thing:

* **Times** are shown in the site's zone (``TIME_ZONE``, through ``timezone.localtime``) and name
  it ("2:05 p.m. UTC"): a failure notice, a refused click's "try again after", Preview's "Counted
  on" and the last report sent all agree, whoever reads them and from wherever.
* **A failed send** is said as far as it is known, from the attempt's cause code
  (``sending.cause_of``: ``http:503``, ``refused``, ...) and the report row's state: generated but
  not sent, or not generated at all. :func:`failure_sentence` is the translated twin of
  ``sending.explain`` (English, for logs and the command), keyed on the same codes.
"""

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _, ngettext

from . import gate, reports, sending


def when(value, with_date=True):
    """
    ``value`` (an aware datetime) in the site's zone, with the zone's name: "Nov. 2, 2026, 9:30 a.m. UTC".

    ``with_date=False`` gives the time alone ("9:30 a.m. UTC"), for times within the hour.
    Formats follow the active language (``DATETIME_FORMAT``/``TIME_FORMAT``), as Django's own do.
    """
    if value is None:
        return ""
    local = timezone.localtime(value)
    text = date_format(local, "DATETIME_FORMAT") if with_date else time_format(local, "TIME_FORMAT")
    return f"{text} {local.tzname()}"


#: Causes that can only happen once the report was counted: upstream POSTs after it has the totals.
_AFTER_GENERATION = {
    sending.CAUSE_HTTP, sending.CAUSE_REDIRECT, sending.CAUSE_REFUSED, sending.CAUSE_UNREACHABLE,
    sending.CAUSE_UNRECORDED,
}


def failure_sentence(cause, report_state=""):
    """
    One sentence saying what is known of a failed send: what became of the report, and why.

    ``cause`` is the attempt's cause code (blank when unknown); ``report_state`` is the report
    row's state (``generated`` left undelivered, ``error``, ``processing``), blank without a row.
    """
    kind, _sep, detail = (cause or "").partition(":")
    if kind == sending.CAUSE_HTTP:
        return _("The survey report was generated but not sent: the endpoint answered HTTP %(status)s.") % {
            "status": detail}
    if kind == sending.CAUSE_REDIRECT:
        return _(
            "The survey report was generated but not sent: the endpoint answered HTTP %(status)s, a redirect, "
            "so the report was not accepted there."
        ) % {"status": detail}
    if kind == sending.CAUSE_REFUSED:
        return _("The survey report was generated but not sent: the endpoint refused the connection.")
    if kind == sending.CAUSE_UNREACHABLE:
        return _("The survey report was generated but not sent: the endpoint could not be reached.")
    if kind == sending.CAUSE_UNRECORDED:
        return _(
            "The survey report was generated and the endpoint accepted it, but openedx-platform could not "
            "record the answer, so it does not count as sent."
        )
    generated = report_state == reports.REPORT_GENERATED
    if kind == sending.CAUSE_TIMEOUT:
        if generated:
            return _("The survey report was generated but not sent: the endpoint did not answer in time.")
        # A time limit can also stop the counting: which one it stopped is not known.
        return _("The survey report was not sent: generating and sending it took longer than its time limit.")
    if generated:
        # Counted, then nothing recorded: the worker stopped while posting it (or its answer was lost).
        return _("The survey report was generated but not sent: sending it did not finish.")
    if report_state == reports.REPORT_PROCESSING:
        return _("The survey report was not generated: counting the totals did not finish.")
    if kind == sending.CAUSE_ERROR and detail:
        return _("The survey report could not be generated or sent: %(error)s") % {"error": detail.strip()}
    return _("The survey report could not be generated or sent.")


def try_again():
    """What a superuser can do after a failed send while attempts remain."""
    return _("You can try again.")


def exhausted_sentence(retry_at):
    """What a page says while the send gate refuses every attempt: when the next one is possible."""
    return ngettext(
        "After %(count)s failed attempt within an hour, the next one is possible at %(time)s.",
        "After %(count)s failed attempts within an hour, the next one is possible at %(time)s.",
        gate.MAX_ATTEMPTS,
    ) % {"count": gate.MAX_ATTEMPTS, "time": when(retry_at, with_date=False)}


def last_attempt_sentence(at):
    """When the last failed attempt was made (the notice's date and time, with the zone)."""
    return _("Last attempt: %(time)s.") % {"time": when(at)}


def sent_hidden_sentence(months):
    """After a report reached the project: the banner is gone for everyone, for how long."""
    return ngettext(
        "The banner is now hidden for every superuser for %(months)s month.",
        "The banner is now hidden for every superuser for %(months)s months.",
        months,
    ) % {"months": months}

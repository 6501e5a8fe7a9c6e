"""
``./manage.py lms survey_report_status [--json]``: what this site knows about its survey reports.

For operators who rarely open Django admin, and for monitoring: the last report delivered and when
the next one is due, whether one is on its way, the last failure and its cause, the attempts the
send gate still allows this hour, and whether the banner, the reports and scheduled sending are
on. It only reads (``survey_report_banner.overview``): nothing is claimed, recorded, queued or
POSTed, and it exits 0 whatever it finds, a misconfigured site included (it says what is wrong;
with ``--json``, in ``problem``). The output is English, like every management command's.

``--json`` prints one object, stable across releases (new keys may be added, none removed or
changed); times are ISO 8601 in UTC, and anything unknown or absent is null:

* ``schema`` (1), ``now``, ``problem`` (why something could not be read, or null);
* ``survey_report_enable``, ``banner_switched_off`` (the ``survey_report_banner.disable_banner``
  switch), ``threshold_months``;
* ``last_delivered``: ``{report_id, at}``; ``next_due`` (when its window ends), ``due_now``;
* ``on_its_way``: ``{since, until, trigger, report_id, report_state}`` (a claim has no report yet);
* ``last_failure``: ``{at, kind, cause, explanation, trigger, report_id, report_state}``; ``kind``
  is ``error``, ``stalled`` (left on its way past the pending window), ``attempt`` (a cause without
  a failed row) or ``lost`` (no worker took the task in time); ``cause`` is the code
  (``http:503``, ``refused``, ``timeout``...) and ``explanation`` its words;
* ``attempts``: ``{max, period_seconds, made, left, next_possible_at}``;
* ``scheduling``: ``{auto_send, scheduler, lead_hours, sends_from, last_attempt}``.
"""

import json
from datetime import timezone as dt_timezone

from django.core.management.base import BaseCommand, no_translations

from survey_report_banner import gate, overview, sending
from survey_report_banner.models import SurveyReportAttempt
from survey_report_banner.toggles import DISABLE_BANNER_SWITCH

SCHEMA = 1
LABEL_WIDTH = 24


class Command(BaseCommand):
    """Say what the site knows about its survey reports; send nothing."""

    help = __doc__.strip().splitlines()[0]

    def add_arguments(self, parser):
        """Add ``--json``."""
        parser.add_argument("--json", action="store_true", help="Print one JSON object, for monitoring.")

    @no_translations  # The trigger names come from the model's (translatable) labels: English here.
    def handle(self, *args, **options):
        """Read the overview and print it."""
        known = overview.overview()
        if options["json"]:
            self.stdout.write(json.dumps(as_json(known), indent=2))
        else:
            self.stdout.write("\n".join(as_lines(known)))


def as_lines(known):
    """The overview as the lines an operator reads."""
    lines = [f"Survey report status on {_at(known.now)} (this command only reads: nothing is sent)."]
    rows = [] if known.problem is None else [("Problem", known.problem)]
    rows += [
        ("Last delivered", _delivered(known)),
        ("Next due", _due(known)),
        ("On its way", _on_its_way(known)),
        ("Last failure", _failure(known)),
        ("Attempts left", _attempts(known)),
        ("Banner", _banner(known)),
        ("Survey reports", _enabled(known)),
        ("Scheduled sending", _scheduling(known)),
        ("Last scheduled attempt", _last_scheduled(known)),
    ]
    return lines + [f"{label + ':':<{LABEL_WIDTH}}{text}" for label, text in rows]


def _at(moment):
    return f"{moment.astimezone(dt_timezone.utc):%Y-%m-%d %H:%M %Z}"


def _trigger(code):
    return str(dict(SurveyReportAttempt.TRIGGERS).get(code, code))


UNKNOWN = "unknown (see the problem above)."


def _delivered(known):
    if known.due_now is None:
        return UNKNOWN
    if known.last_delivered is None:
        return "never: no report has reached the Open edX project."
    return f"report {known.last_delivered.report_id}, on {_at(known.last_delivered.at)}."


def _due(known):
    if known.due_now is None:
        return UNKNOWN
    every = f"every {known.threshold_months} months"
    if known.next_due is None:
        due = "now (no report was delivered yet)"
    elif known.due_now:
        due = f"now (since {_at(known.next_due)}, {every})"
    else:
        due = f"{_at(known.next_due)} ({every})"
        if known.auto_send:
            due += f"; scheduled runs send it from {_at(known.scheduled_from)}"
    return due + "."


def _on_its_way(known):
    if known.due_now is None:
        return UNKNOWN
    way = known.on_its_way
    if way is None:
        return "no."
    if way.report_id is None:
        return (
            f"yes: {_trigger(way.trigger)} claimed it on {_at(way.since)}; no report row yet "
            f"(held until {_at(way.until)})."
        )
    return (
        f"yes: report {way.report_id}, {way.report_state!r} since {_at(way.since)} "
        f"(on its way until {_at(way.until)})."
    )


def _failure(known):
    failure = known.last_failure
    if failure is None:
        return "none recorded." if known.attempts_made is not None else UNKNOWN
    window = f"{known.pending_window.total_seconds() / 60:g}-minute pending window"
    what = {
        overview.FAILED_ERROR: f"report {failure.report_id} ended in {failure.report_state!r}",
        overview.FAILED_STALLED: f"report {failure.report_id} was left {failure.report_state!r} past the {window}",
        overview.FAILED_ATTEMPT: "the attempt failed",
        overview.FAILED_LOST: f"no worker picked its task up within the {window}",
    }[failure.kind]
    who = f", {_trigger(failure.trigger)}" if failure.trigger else ""
    text = f"{_at(failure.at)}{who}: {what} ({sending.explain(failure.cause) or 'cause not recorded'})."
    if known.last_delivered is not None and known.last_delivered.at > failure.at:
        text += " A report was delivered since."
    return text


def _attempts(known):
    if known.attempts_left is None:
        return UNKNOWN
    text = f"{known.attempts_left} of {gate.MAX_ATTEMPTS} ({known.attempts_made} made within the last hour)"
    if known.next_attempt_at is not None:
        text += f"; the next attempt is possible after {_at(known.next_attempt_at)}"
    return text + "."


def _banner(known):
    if known.banner_switched_off is None:
        return UNKNOWN
    if known.banner_switched_off:
        return f"switched off (the {DISABLE_BANNER_SWITCH} switch is on): no superuser is asked."
    return f"on (the {DISABLE_BANNER_SWITCH} switch is off)."


def _enabled(known):
    if known.survey_report_enabled:
        return "enabled (SURVEY_REPORT_ENABLE is True)."
    return "disabled (SURVEY_REPORT_ENABLE is False): nothing can be sent, and the banner never shows."


def _scheduling(known):
    if not known.auto_send:
        return "off (SURVEY_REPORT_AUTO_SEND is False): scheduled runs send nothing."
    if known.scheduler:
        return f"on (SURVEY_REPORT_AUTO_SEND is True): {known.scheduler}."
    return (
        "allowed (SURVEY_REPORT_AUTO_SEND is True), but SURVEY_REPORT_SCHEDULER names no scheduler: the LMS "
        "cannot see whether anything runs send_survey_report_if_due --scheduled."
    )


def _last_scheduled(known):
    if known.last_scheduled_attempt is not None:
        return f"{_at(known.last_scheduled_attempt)}."
    if known.attempts_made is None:
        return UNKNOWN
    return "none (scheduled runs that find nothing due leave no record)."


def as_json(known):
    """The overview as the documented JSON object (see the module docstring)."""
    delivered, way, failure = known.last_delivered, known.on_its_way, known.last_failure
    return {
        "schema": SCHEMA,
        "now": _iso(known.now),
        "problem": known.problem,
        "survey_report_enable": known.survey_report_enabled,
        "banner_switched_off": known.banner_switched_off,
        "threshold_months": known.threshold_months,
        "last_delivered": delivered and {"report_id": delivered.report_id, "at": _iso(delivered.at)},
        "next_due": _iso(known.next_due),
        "due_now": known.due_now,
        "on_its_way": way and {
            "since": _iso(way.since), "until": _iso(way.until), "trigger": way.trigger or None,
            "report_id": way.report_id, "report_state": way.report_state,
        },
        "last_failure": failure and {
            "at": _iso(failure.at), "kind": failure.kind, "cause": failure.cause or None,
            "explanation": sending.explain(failure.cause), "trigger": failure.trigger or None,
            "report_id": failure.report_id, "report_state": failure.report_state,
        },
        "attempts": {
            "max": gate.MAX_ATTEMPTS, "period_seconds": int(gate.ATTEMPT_PERIOD.total_seconds()),
            "made": known.attempts_made, "left": known.attempts_left,
            "next_possible_at": _iso(known.next_attempt_at),
        },
        "scheduling": {
            "auto_send": known.auto_send, "scheduler": known.scheduler,
            "lead_hours": known.scheduled_lead.total_seconds() / 3600,
            "sends_from": _iso(known.scheduled_from), "last_attempt": _iso(known.last_scheduled_attempt),
        },
    }


def _iso(moment):
    return moment.astimezone(dt_timezone.utc).isoformat(timespec="seconds") if moment else None

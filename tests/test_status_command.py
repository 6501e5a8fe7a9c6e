"""
Tests of ``manage.py survey_report_status``: what the site knows, on real data states, as text and JSON.

Each state is made the way a site gets there (the scheduler's command against a real receiver, a
click on *Send report*, the kill switch); then the status is read, and must leave everything as it
was: no attempt, no report, no claim, nothing queued, nothing POSTed, exit 0.
"""

import json
from datetime import datetime, timedelta, timezone as dt_timezone
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import OperationalError
from openedx.features.survey_report.models import (
    SURVEY_REPORT_GENERATED,
    SURVEY_REPORT_PROCESSING,
    SurveyReport,
    SurveyReportUpload,
)

from survey_report_banner.models import SurveyReportAttempt, SurveyReportRequest

from conftest import make_report

NOW = datetime(2026, 11, 25, 3, 17, tzinfo=dt_timezone.utc)
HEADER = "Survey report status on 2026-11-25 03:17 UTC (this command only reads: nothing is sent)."
NO_SCHEDULER = (
    "Scheduled sending:      allowed (SURVEY_REPORT_AUTO_SEND is True), but SURVEY_REPORT_SCHEDULER names no "
    "scheduler: the LMS cannot see whether anything runs send_survey_report_if_due --scheduled."
)
SETTINGS_LINES = [
    "Banner:                 on (the survey_report_banner.disable_banner switch is off).",
    "Survey reports:         enabled (SURVEY_REPORT_ENABLE is True).",
    NO_SCHEDULER,
]


def snapshot():
    """Everything a send would change: attempts, reports, uploads, the claim."""
    claim = SurveyReportRequest.objects.filter(pk=SurveyReportRequest.SINGLETON_ID).values().first()
    return (
        list(SurveyReportAttempt.objects.values()), list(SurveyReport.objects.values()),
        list(SurveyReportUpload.objects.values()), claim,
    )


@pytest.fixture
def status(receiver, broker):
    """Run ``survey_report_status`` at NOW (or ``at``): return its text lines, or its JSON with ``--json``."""

    def read(*args, at=NOW):
        before, sent_before = snapshot(), len(receiver.payloads)
        out = StringIO()
        with time_machine.travel(at, tick=False):
            call_command("survey_report_status", *args, stdout=out)
        # It only reads: nothing recorded, nothing queued, nothing POSTed.
        assert snapshot() == before
        assert broker() == [] and len(receiver.payloads) == sent_before
        return json.loads(out.getvalue()) if "--json" in args else out.getvalue().splitlines()

    return read


def send(at, *args):
    """The scheduler's command at ``at`` (it raises CommandError when the send fails)."""
    with time_machine.travel(at, tick=False):
        call_command("send_survey_report_if_due", *args, stdout=StringIO())


@pytest.mark.django_db
class TestStates:
    """The lines an operator reads, and the JSON a monitor reads, in each state a site can be in."""

    def test_nothing_ever_sent(self, status):
        assert status() == [
            HEADER,
            "Last delivered:         never: no report has reached the Open edX project.",
            "Next due:               now (no report was delivered yet).",
            "On its way:             no.",
            "Last failure:           none recorded.",
            "Attempts left:          3 of 3 (0 made within the last hour).",
            *SETTINGS_LINES,
            "Last scheduled attempt: none (scheduled runs that find nothing due leave no record).",
        ]
        assert status("--json") == {
            "schema": 1,
            "now": "2026-11-25T03:17:00+00:00",
            "problem": None,
            "survey_report_enable": True,
            "banner_switched_off": False,
            "threshold_months": 6,
            "last_delivered": None,
            "next_due": None,
            "due_now": True,
            "on_its_way": None,
            "last_failure": None,
            "attempts": {"max": 3, "period_seconds": 3600, "made": 0, "left": 3, "next_possible_at": None},
            "scheduling": {
                "auto_send": True, "scheduler": None, "lead_hours": 30.0, "sends_from": None, "last_attempt": None,
            },
        }

    def test_delivered_by_a_scheduled_run(self, status, settings, receiver):
        settings.SURVEY_REPORT_SCHEDULER = "the Tutor plugin survey_report (daily)"
        sent_at = datetime(2026, 7, 1, 3, 17, tzinfo=dt_timezone.utc)
        send(sent_at, "--scheduled")
        report = SurveyReport.objects.get()
        assert len(receiver.payloads) == 1
        assert status() == [
            HEADER,
            f"Last delivered:         report {report.pk}, on 2026-07-01 03:17 UTC.",
            "Next due:               2027-01-01 03:17 UTC (every 6 months); scheduled runs send it from "
            "2026-12-30 21:17 UTC.",
            "On its way:             no.",
            "Last failure:           none recorded.",
            "Attempts left:          3 of 3 (0 made within the last hour).",
            *SETTINGS_LINES[:2],
            "Scheduled sending:      on (SURVEY_REPORT_AUTO_SEND is True): the Tutor plugin survey_report (daily).",
            "Last scheduled attempt: 2026-07-01 03:17 UTC.",
        ]
        data = status("--json")
        assert data["last_delivered"] == {"report_id": report.pk, "at": "2026-07-01T03:17:00+00:00"}
        assert data["next_due"] == "2027-01-01T03:17:00+00:00" and data["due_now"] is False
        assert data["scheduling"] == {
            "auto_send": True, "scheduler": "the Tutor plugin survey_report (daily)", "lead_hours": 30.0,
            "sends_from": "2026-12-30T21:17:00+00:00", "last_attempt": "2026-07-01T03:17:00+00:00",
        }

    def test_overdue(self, status):
        report = make_report(datetime(2026, 5, 1, 9, 0, tzinfo=dt_timezone.utc))
        lines = status()
        assert lines[1] == f"Last delivered:         report {report.pk}, on 2026-05-01 09:00 UTC."
        assert lines[2] == "Next due:               now (since 2026-11-01 09:00 UTC, every 6 months)."
        assert status("--json")["due_now"] is True

    def test_on_its_way_queued_click(self, status, admin_client, broker):
        with time_machine.travel(NOW - timedelta(minutes=5), tick=False):
            assert admin_client.post("/survey-report-banner/send/").status_code == 302
        assert broker() == ["openedx.features.survey_report.tasks.generate_survey_report"]
        lines = status()
        assert lines[3] == (
            "On its way:             yes: Send report (banner) claimed it on 2026-11-25 03:12 UTC; no report row "
            "yet (held until 2026-11-25 04:18 UTC)."
        )
        assert lines[5] == "Attempts left:          2 of 3 (1 made within the last hour)."
        assert status("--json")["on_its_way"] == {
            "since": "2026-11-25T03:12:00+00:00", "until": "2026-11-25T04:18:30+00:00", "trigger": "banner",
            "report_id": None, "report_state": None,
        }

    def test_on_its_way_report_row(self, status):
        report = make_report(NOW - timedelta(minutes=10), state=SURVEY_REPORT_PROCESSING)
        assert status()[3] == (
            f"On its way:             yes: report {report.pk}, 'processing' since 2026-11-25 03:07 UTC "
            "(on its way until 2026-11-25 04:07 UTC)."
        )
        assert status("--json")["on_its_way"]["report_id"] == report.pk

    def test_failed_with_http_503(self, status, receiver):
        receiver.status = 503
        with pytest.raises(CommandError, match="the endpoint answered HTTP 503"):
            send(NOW - timedelta(minutes=20))
        report = SurveyReport.objects.get()
        assert SurveyReportAttempt.objects.get().cause == "http:503"  # the command recorded it
        lines = status()
        assert lines[4] == (
            f"Last failure:           2026-11-25 02:57 UTC, Management command: report {report.pk} ended in "
            "'error' (the endpoint answered HTTP 503)."
        )
        assert lines[5] == "Attempts left:          2 of 3 (1 made within the last hour)."
        assert status("--json")["last_failure"] == {
            "at": "2026-11-25T02:57:00+00:00", "kind": "error", "cause": "http:503",
            "explanation": "the endpoint answered HTTP 503", "trigger": "command",
            "report_id": report.pk, "report_state": "error",
        }

    def test_a_failure_before_the_last_delivery_says_so(self, status, receiver):
        receiver.status = 503
        with pytest.raises(CommandError):
            send(NOW - timedelta(days=2))
        receiver.status = 200
        send(NOW - timedelta(days=1))
        line = status()[4]
        assert line.startswith("Last failure:           2026-11-23 03:17 UTC, Management command: report ")
        assert line.endswith("(the endpoint answered HTTP 503). A report was delivered since.")

    def test_attempts_exhausted(self, status, receiver):
        receiver.status = 503
        for minute in (0, 10, 20):
            with pytest.raises(CommandError):
                send(NOW - timedelta(minutes=30 - minute), "--force")
        assert status()[5] == (
            "Attempts left:          0 of 3 (3 made within the last hour); the next attempt is possible after "
            "2026-11-25 03:47 UTC."
        )
        assert status("--json")["attempts"] == {
            "max": 3, "period_seconds": 3600, "made": 3, "left": 0, "next_possible_at": "2026-11-25T03:47:00+00:00",
        }
        # An hour after the first, one is possible again.
        later = status(at=NOW + timedelta(minutes=31))
        assert later[5] == "Attempts left:          1 of 3 (2 made within the last hour)."

    def test_switched_off(self, status, settings, switch_on):
        settings.SURVEY_REPORT_ENABLE = False
        settings.SURVEY_REPORT_AUTO_SEND = False
        assert status()[6:9] == [
            "Banner:                 switched off (the survey_report_banner.disable_banner switch is on): no "
            "superuser is asked.",
            "Survey reports:         disabled (SURVEY_REPORT_ENABLE is False): nothing can be sent, and the banner "
            "never shows.",
            "Scheduled sending:      off (SURVEY_REPORT_AUTO_SEND is False): scheduled runs send nothing.",
        ]
        data = status("--json")
        assert data["banner_switched_off"] is True and data["survey_report_enable"] is False
        assert data["scheduling"]["auto_send"] is False

    def test_lost_task(self, status, admin_client, broker):
        """A click whose task no worker took: after the pending window, a failure without a row."""
        with time_machine.travel(NOW - timedelta(minutes=90), tick=False):
            admin_client.post("/survey-report-banner/send/")
        assert len(broker()) == 1  # The task waits in the queue; no worker runs in this test.
        assert status()[3:5] == [
            "On its way:             no.",
            "Last failure:           2026-11-25 01:47 UTC, Send report (banner): no worker picked its task up "
            "within the 60-minute pending window (cause not recorded).",
        ]
        assert status("--json")["last_failure"]["kind"] == "lost"

    def test_stalled_report(self, status):
        """A worker killed mid-POST: ``generated``, no upload, past the window."""
        report = make_report(NOW - timedelta(hours=3), state=SURVEY_REPORT_GENERATED, uploads=[])
        assert status()[4] == (
            f"Last failure:           2026-11-25 00:17 UTC: report {report.pk} was left 'generated' past the "
            "60-minute pending window (cause not recorded)."
        )
        assert status("--json")["last_failure"]["kind"] == "stalled"


@pytest.mark.django_db
class TestMisconfigured:
    """A monitoring run on a broken site says what is wrong, and exits 0."""

    def test_report_model_missing(self, status, settings):
        settings.SURVEY_REPORT_BANNER_REPORT_MODEL = "nowhere.SurveyReport"
        lines = status()
        assert lines[1] == (
            "Problem:                The survey report model 'nowhere.SurveyReport' is not installed (No installed "
            "app with label 'nowhere'.): nothing can tell whether a report was sent (system check "
            "survey_report_banner.W003)."
        )
        assert lines[2:5] == [
            "Last delivered:         unknown (see the problem above).",
            "Next due:               unknown (see the problem above).",
            "On its way:             unknown (see the problem above).",
        ]
        # What the banner's own tables know is still said.
        assert lines[6] == "Attempts left:          3 of 3 (0 made within the last hour)."
        data = status("--json")
        assert "nowhere.SurveyReport" in data["problem"]
        assert data["last_delivered"] is None and data["due_now"] is None and data["attempts"]["left"] == 3

    def test_tables_missing(self, status, monkeypatch):
        """Installed and restarted before ``migrate``: the banner's tables (here: waffle's) are missing."""
        from survey_report_banner import overview  # pylint: disable=import-outside-toplevel

        def no_table():
            raise OperationalError("no such table: waffle_switch")

        monkeypatch.setattr(overview.toggles, "banner_disabled", no_table)
        lines = status()
        assert lines[1] == (
            "Problem:                The database could not be read (OperationalError: no such table: "
            "waffle_switch): has ./manage.py lms migrate run?"
        )
        assert lines[5:7] == [
            "Last failure:           unknown (see the problem above).",
            "Attempts left:          unknown (see the problem above).",
        ]
        data = status("--json")
        assert data["problem"].startswith("The database could not be read")
        assert data["banner_switched_off"] is None and data["attempts"]["left"] is None

    def test_exit_code_from_the_shell(self, receiver, settings, capsys):
        settings.SURVEY_REPORT_BANNER_REPORT_MODEL = "nowhere.SurveyReport"
        try:
            execute_from_command_line(["manage.py", "survey_report_status", "--json"])
        except SystemExit as exited:  # pragma: no cover - what this test guards against
            pytest.fail(f"exited {exited.code}")
        assert json.loads(capsys.readouterr().out)["problem"]

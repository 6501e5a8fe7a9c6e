"""
Tests of ``manage.py send_survey_report_if_due``: due, not due, and failures as exit codes.

The report task really runs in-process and POSTs to a real HTTP receiver on loopback (the
``receiver`` fixtures of conftest.py).
"""

from datetime import datetime, timedelta, timezone as dt_timezone
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SURVEY_REPORT_PROCESSING,
    SurveyReport,
)

NOW = datetime(2026, 11, 25, 3, 17, tzinfo=dt_timezone.utc)


def run():
    """Run the command at NOW; return its output."""
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("send_survey_report_if_due", stdout=out)
    return out.getvalue()


def report_at(moment, state=SURVEY_REPORT_GENERATED):
    """A report created at ``moment``."""
    with time_machine.travel(moment, tick=False):
        return SurveyReport.objects.create(state=state)


@pytest.mark.django_db
class TestSendIfDue:
    """The scheduler's daily call."""

    def test_due_when_never_sent(self, receiver, superuser):
        output = run()
        assert "A survey report is due: generating and sending it now..." in output
        report = SurveyReport.objects.get()
        assert report.state == SURVEY_REPORT_GENERATED
        assert f"Survey report {report.pk} generated and sent." in output
        (payload,) = receiver.wait_for(1, timeout=5)
        assert payload["registered_learners"] == 1

    def test_due_when_last_success_is_older_than_threshold(self, receiver):
        report_at(NOW - timedelta(days=200))
        report_at(NOW - timedelta(days=2), state=SURVEY_REPORT_ERROR)
        run()
        assert len(receiver.wait_for(1, timeout=5)) == 1

    def test_not_due(self, receiver):
        report_at(datetime(2026, 7, 1, 9, 0, tzinfo=dt_timezone.utc))
        output = run()
        assert output.strip() == (
            "Not due: a survey report was sent on 2026-07-01 09:00 UTC; the next one is due after "
            "2027-01-01 (every 6 months)."
        )
        assert receiver.payloads == [] and SurveyReport.objects.count() == 1

    def test_pending_report_is_not_doubled(self, receiver):
        report_at(NOW - timedelta(minutes=10), state=SURVEY_REPORT_PROCESSING)
        assert run().strip() == "Not sending: a survey report is being generated right now."
        assert receiver.payloads == []

    def test_force(self, receiver):
        report_at(NOW - timedelta(days=1))
        out = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("send_survey_report_if_due", "--force", stdout=out)
        assert len(receiver.wait_for(1, timeout=5)) == 1

    def test_endpoint_refuses_exits_non_zero(self, refusing_receiver):
        with pytest.raises(CommandError, match="The survey report could not be sent"):
            run()
        assert SurveyReport.objects.get().state == SURVEY_REPORT_ERROR

    def test_endpoint_unreachable_exits_non_zero(self, settings):
        settings.SURVEY_REPORT_ENDPOINT = "http://127.0.0.1:1/survey_report/"
        with pytest.raises(CommandError):
            run()

    def test_exit_code_from_the_shell(self, refusing_receiver):
        from django.core.management import execute_from_command_line
        with time_machine.travel(NOW, tick=False), pytest.raises(SystemExit) as exit_info:
            execute_from_command_line(["manage.py", "send_survey_report_if_due"])
        assert exit_info.value.code == 1

    def test_disabled_site(self, settings, receiver):
        settings.SURVEY_REPORT_ENABLE = False
        assert "Survey reports are disabled on this site" in run()
        assert receiver.payloads == []

    def test_scheduled_run_honours_auto_send_off(self, settings, receiver):
        settings.SURVEY_REPORT_AUTO_SEND = False
        out = StringIO()
        call_command("send_survey_report_if_due", "--scheduled", stdout=out)
        assert out.getvalue().strip() == (
            "Automatic survey reports are turned off (SURVEY_REPORT_AUTO_SEND is False): nothing to do."
        )
        assert receiver.payloads == [] and not SurveyReport.objects.exists()
        # A person running it by hand still can.
        run()
        assert len(receiver.wait_for(1, timeout=5)) == 1

    def test_scheduled_run_sends_when_auto_send_on(self, settings, receiver):
        settings.SURVEY_REPORT_AUTO_SEND = True
        call_command("send_survey_report_if_due", "--scheduled", stdout=StringIO())
        assert len(receiver.wait_for(1, timeout=5)) == 1

    def test_task_missing(self, settings):
        settings.SURVEY_REPORT_BANNER_TASK = "openedx.features.survey_report.tasks.nope"
        with pytest.raises(CommandError, match="cannot be imported"):
            run()

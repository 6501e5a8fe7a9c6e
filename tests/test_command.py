"""
Tests of ``manage.py send_survey_report_if_due``: due, not due, and failures as exit codes.

The report task (the host's stand-in for edx-platform's, which like upstream's never raises)
really runs in-process and POSTs to a real HTTP receiver on loopback (the ``receiver``
fixtures of conftest.py).
"""

import random
import time
from datetime import datetime, timedelta, timezone as dt_timezone
from io import StringIO

import pytest
import time_machine
from celery import current_app, shared_task
from dateutil.relativedelta import relativedelta
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from openedx.features.survey_report.api import generate_report
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SURVEY_REPORT_PROCESSING,
    SurveyReport,
    SurveyReportUpload,
)

from survey_report_banner import banner, gate
from survey_report_banner.conf import scheduled_lead
from survey_report_banner.models import SurveyReportAttempt

from conftest import UNUSABLE_IDS, UNUSABLE_SETTINGS, make_report

NOW = datetime(2026, 11, 25, 3, 17, tzinfo=dt_timezone.utc)
ON_ITS_WAY = (
    "Not sending: a survey report is already on its way (requested from the banner or the report list, or "
    "sent by another run); it counts for this window once it arrives."
)


def run(*args):
    """Run the command at NOW with ``args``; return its output."""
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("send_survey_report_if_due", *args, stdout=out)
    return out.getvalue()


def report_at(moment, state=SURVEY_REPORT_GENERATED):
    """A report created at ``moment`` (a ``generated`` one was delivered: it has a 200 upload)."""
    return make_report(moment, state=state)


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

    def test_a_report_delivered_later_by_the_admin_action_counts_as_sent(self, receiver, admin_client, worker):
        """
        Upstream's "Send report to external API" re-sends a report that ended in ``error``: it
        records a 2xx upload and leaves the state. The banner goes, and the scheduler is not due.
        """
        reports = "/admin/survey_report/surveyreport/"
        failed = report_at(NOW - timedelta(days=20), state=SURVEY_REPORT_ERROR)
        with time_machine.travel(NOW, tick=False):
            assert 'id="survey-report-banner"' in admin_client.get(reports).content.decode()
            response = admin_client.post(reports, {"action": "send_report", "_selected_action": [failed.pk]})
            assert response.status_code == 302 and worker() == ["survey_report_banner.tasks.resend_survey_report"]
            assert len(receiver.wait_for(1, timeout=5)) == 1
            assert 'id="survey-report-banner"' not in admin_client.get(reports).content.decode()
        assert run().startswith("Not due: a survey report was sent on 2026-11-05 03:17 UTC;")
        assert SurveyReport.objects.get().state == SURVEY_REPORT_ERROR

    def test_pending_report_is_not_doubled(self, receiver):
        report_at(NOW - timedelta(minutes=10), state=SURVEY_REPORT_PROCESSING)
        assert run().strip() == ON_ITS_WAY
        assert receiver.payloads == []

    def test_force(self, receiver):
        report_at(NOW - timedelta(days=1))
        out = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("send_survey_report_if_due", "--force", stdout=out)
        assert len(receiver.wait_for(1, timeout=5)) == 1

    def test_endpoint_refuses_exits_non_zero(self, refusing_receiver):
        with pytest.raises(CommandError, match="could not be sent: report .* is in state 'error'"):
            run()
        assert SurveyReport.objects.get().state == SURVEY_REPORT_ERROR

    def test_the_stand_in_task_never_raises(self, refusing_receiver):
        """Like upstream's: a failed POST is logged and left in the row, so only the row can tell."""
        from openedx.features.survey_report.tasks import generate_survey_report
        result = generate_survey_report.apply()
        assert result.successful() and result.result is None
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


@pytest.mark.django_db
class TestOneGateForEveryPath:
    """The command asks the same send gate as *Send report*: one report per window, one at a time."""

    def test_honours_a_click_still_queued(self, receiver, admin_client, broker):
        """A click whose task waits for a busy or stopped worker, then the daily run: one report."""
        with time_machine.travel(NOW - timedelta(minutes=20), tick=False):
            admin_client.post("/survey-report-banner/send/")
        assert run("--scheduled").strip() == ON_ITS_WAY
        assert receiver.payloads == [] and not SurveyReport.objects.exists()
        assert broker() == ["openedx.features.survey_report.tasks.generate_survey_report"]

    def test_a_report_counted_and_being_posted_is_on_its_way(self, receiver):
        report_at(NOW - timedelta(minutes=2), state=SURVEY_REPORT_GENERATED).surveyreportupload_set.all().delete()
        assert run("--force").strip() == ON_ITS_WAY
        assert receiver.payloads == []

    def test_generated_without_an_upload_is_not_sent(self, receiver):
        """A worker killed mid-POST left ``generated`` and no upload: after the window, due again."""
        report_at(NOW - timedelta(days=3), state=SURVEY_REPORT_GENERATED).surveyreportupload_set.all().delete()
        assert "A survey report is due" in run("--scheduled")
        assert len(receiver.wait_for(1, timeout=5)) == 1

    def test_reads_back_its_own_report(self, settings, receiver):
        """Another path's report created during the run is not this run's outcome."""
        settings.SURVEY_REPORT_BANNER_TASK = f"{__name__}.report_then_another_fails"
        output = run()
        own, other = SurveyReport.objects.order_by("pk")
        assert f"Survey report {own.pk} generated and sent." in output and other.state == SURVEY_REPORT_ERROR

    def test_at_most_three_attempts_an_hour_while_sending_fails(self, refusing_receiver):
        for minute in range(3):
            with time_machine.travel(NOW + timedelta(minutes=minute), tick=False), pytest.raises(CommandError):
                call_command("send_survey_report_if_due", "--force", stdout=StringIO())
        with time_machine.travel(NOW + timedelta(minutes=30), tick=False), pytest.raises(CommandError) as refused:
            call_command("send_survey_report_if_due", "--force", stdout=StringIO())
        assert str(refused.value) == (
            "Not sending: 3 attempts to send a survey report failed within the last hour; the next attempt "
            "is possible after 2026-11-25 04:17 UTC."
        )
        assert len(refusing_receiver.payloads) == 3

    def test_the_cause_is_named_http_status(self, refusing_receiver):
        with pytest.raises(CommandError) as failed:
            run()
        report = SurveyReport.objects.get()
        assert str(failed.value) == (
            f"The survey report could not be sent: report {report.pk} is in state 'error' (the endpoint answered "
            "HTTP 500). Nothing reached the Open edX project; see the LMS logs and /admin/survey_report/surveyreport/."
        )

    def test_the_cause_is_named_refused(self, settings):
        settings.SURVEY_REPORT_ENDPOINT = "http://127.0.0.1:1/survey_report/"
        with pytest.raises(CommandError, match=r"in state 'error' \(the endpoint refused the connection\)"):
            run()

    def test_a_silent_endpoint_is_cut_at_the_deadline(self, settings, receiver):
        """Upstream POSTs with no timeout: without the deadline, the scheduler would hang for good."""
        settings.SURVEY_REPORT_BANNER_SEND_TIMEOUT = 1
        receiver.pause()
        started = time.monotonic()
        try:
            with pytest.raises(CommandError) as failed:
                run()
        finally:
            receiver.resume()
        assert time.monotonic() - started < 10
        assert "(the endpoint did not answer in time)" in str(failed.value)
        assert SurveyReport.objects.get().state == SURVEY_REPORT_ERROR  # upstream's except recorded it
        # The claim was released: a later run may try again at once.
        settings.SURVEY_REPORT_BANNER_SEND_TIMEOUT = 300
        assert "generated and sent" in run()


@shared_task(name=f"{__name__}.report_then_another_fails")
def report_then_another_fails():
    """The real task, then a failed report of another path (one that does not ask the gate)."""
    generate_report()
    SurveyReport.objects.create(state=SURVEY_REPORT_ERROR)


@shared_task(name=f"{__name__}.raising_report_task")
def raising_report_task():
    """A report task that raises after recording the failure, as edx-platform's did before Redwood."""
    generate_report()  # Raises: the endpoint refuses.


@pytest.mark.django_db
class TestOutcomeFromTheRow:
    """The exit code comes from the report row, whatever the task does."""

    @pytest.mark.parametrize("propagates", [False, True])
    def test_raising_task(self, settings, refusing_receiver, propagates):
        settings.SURVEY_REPORT_BANNER_TASK = f"{__name__}.raising_report_task"
        # With eager propagation (a test or devstack setting) apply() itself raises.
        saved = current_app.conf.task_eager_propagates
        current_app.conf.task_eager_propagates = propagates
        err = StringIO()
        try:
            with time_machine.travel(NOW, tick=False), pytest.raises(CommandError, match="in state 'error'"):
                call_command("send_survey_report_if_due", stdout=StringIO(), stderr=err)
        finally:
            current_app.conf.task_eager_propagates = saved
        assert ("The survey report task raised" in err.getvalue()) is propagates

    def test_task_that_creates_no_report(self, settings, receiver):
        settings.SURVEY_REPORT_BANNER_TASK = f"{__name__}.no_report_task"
        with pytest.raises(CommandError, match="the task created no report"):
            run()


@shared_task(name=f"{__name__}.no_report_task")
def no_report_task():
    """A report task that does nothing at all."""




@pytest.mark.django_db
class TestUnusableTaskOrModel:
    """
    Issue 20: a task or model setting that names nothing usable exits 1 with W002's or W003's
    words, before the gate records an attempt: a setting to fix never uses up the attempts.
    """

    @pytest.mark.parametrize("args", [(), ("--scheduled",), ("--force",)])
    @pytest.mark.parametrize("name, value, check_id, message", UNUSABLE_SETTINGS, ids=UNUSABLE_IDS)
    def test_exits_1_before_any_attempt(self, settings, receiver, name, value, check_id, message, args):
        setattr(settings, name, value)
        with pytest.raises(CommandError) as raised:
            run(*args)
        assert str(raised.value) == message
        assert not SurveyReportAttempt.objects.exists()
        assert receiver.payloads == [] and not SurveyReport.objects.exists()

    def test_once_fixed_the_next_run_sends(self, settings, receiver):
        """Before issue 20, a plain function as the task used up the hour's attempts ("created no report")."""
        settings.SURVEY_REPORT_BANNER_TASK = "json.dumps"
        for _ in range(gate.MAX_ATTEMPTS + 1):
            with pytest.raises(CommandError, match="is not a Celery task"):
                run()
        settings.SURVEY_REPORT_BANNER_TASK = "openedx.features.survey_report.tasks.generate_survey_report"
        assert "generated and sent." in run()
        assert len(receiver.wait_for(1, timeout=5)) == 1


@pytest.mark.django_db
class TestScheduledLead:
    """``--scheduled`` sends a report that falls due before the next run."""

    def test_falls_due_within_the_lead(self, receiver):
        report_at(NOW - relativedelta(months=6) + timedelta(hours=20))
        # A person running it by hand: not due yet.
        assert run().startswith("Not due:")
        assert receiver.payloads == []
        # The scheduler: due in 20 hours, and the next run is in 24.
        assert "A survey report is due" in run("--scheduled")
        assert len(receiver.wait_for(1, timeout=5)) == 1
        # Then the new report hides the banner for six months: the next run sends nothing.
        assert run("--scheduled").startswith("Not due:")

    def test_not_yet_within_the_lead(self, receiver):
        report_at(datetime(2026, 5, 27, 9, 0, tzinfo=dt_timezone.utc))
        assert run("--scheduled").strip() == (
            "Not due: a survey report was sent on 2026-05-27 09:00 UTC; the next one is due after "
            "2026-11-27 (every 6 months). Scheduled runs send it from 2026-11-26 03:00 UTC."
        )
        assert receiver.payloads == []

    def test_lead_is_configurable(self, settings, receiver):
        report_at(NOW - relativedelta(months=6) + timedelta(hours=20))
        settings.SURVEY_REPORT_SCHEDULED_LEAD_HOURS = 0
        assert run("--scheduled").startswith("Not due:")
        settings.SURVEY_REPORT_SCHEDULED_LEAD_HOURS = 21
        run("--scheduled")
        assert len(receiver.wait_for(1, timeout=5)) == 1

    @pytest.mark.parametrize(
        "value, hours",
        [(None, 30), (30, 30), ("48", 48), (0, 0), (-1, 30), ("soon", 30), (float("nan"), 30), (10_000, 336)],
    )
    def test_lead_setting(self, settings, value, hours):
        if value is None:
            del settings.SURVEY_REPORT_SCHEDULED_LEAD_HOURS
        else:
            settings.SURVEY_REPORT_SCHEDULED_LEAD_HOURS = value
        assert scheduled_lead() == timedelta(hours=hours)


# A year of a daily scheduler, as the Tutor plugin runs it.
YEAR_START = datetime(2026, 1, 1, 3, 17, tzinfo=dt_timezone.utc)
DAYS = 365


def _random_walk(seed):
    """Start times that move a few seconds earlier or later each day, at random."""
    rng = random.Random(seed)
    offsets = [0]
    for _ in range(DAYS):
        offsets.append(offsets[-1] + rng.choice([-9, -7, -5, -3, -2, 2, 3, 5, 7, 9]))
    return offsets


JITTERS = {
    "each run 3 s earlier": [-3 * day for day in range(DAYS + 1)],
    "each run 3 s later": [3 * day for day in range(DAYS + 1)],
    "random walk": _random_walk(20261128),
}


def simulate_year(settings, superuser, offsets, *command_args, days=DAYS):
    """
    Run the command once a day for a year (or ``days``), at 03:17 UTC plus ``offsets[day]`` seconds.

    The site sent its last report at the start of the year. The banner's own rule is asked whether
    the superuser sees the banner every hour (at :17:30), as the admin pages would, through its
    cache; and right before every run with the cache cleared (the decision straight from the
    database: a banner left up until the next run cannot hide behind the cache).
    Return the moments the banner would have shown, and the creation times of the reports sent.
    """
    report_at(YEAR_START)
    runs = [(YEAR_START + timedelta(days=day, seconds=offsets[day]), "run") for day in range(1, days + 1)]
    hours = [(YEAR_START + timedelta(hours=hour, seconds=30), "hour") for hour in range(days * 24)]
    request = RequestFactory().get("/admin/")
    request.user = superuser
    banner_shown = []
    with time_machine.travel(YEAR_START, tick=False) as traveller:
        for moment, event in sorted(runs + hours):
            traveller.move_to(moment)
            if event == "run":
                for cache in caches.all():
                    cache.clear()
            if banner.should_show_banner(request):
                banner_shown.append(moment)
            if event == "run":
                call_command("send_survey_report_if_due", *command_args, stdout=StringIO())
    sent = list(
        SurveyReport.objects.filter(state=SURVEY_REPORT_GENERATED, created_at__gt=YEAR_START)
        .order_by("created_at").values_list("created_at", flat=True)
    )
    return banner_shown, sent


@pytest.mark.slow  # ~20 s each: once, in the Python 3.12 tier (the rule is the same on every database)
@pytest.mark.django_db
class TestAYearOfDailyRuns:
    """Issue 10: opted-in sites never see the banner, and send exactly one report per window."""

    @pytest.mark.parametrize("jitter", JITTERS)
    def test_scheduled_runs_never_show_the_banner(self, settings, receiver, superuser, jitter):
        banner_shown, sent = simulate_year(settings, superuser, JITTERS[jitter], "--scheduled")

        assert banner_shown == []
        # Two windows in the year (due 1 July and 30 December), one report each...
        assert len(sent) == 2
        assert len(receiver.wait_for(2, timeout=5)) == 2
        previous = YEAR_START
        for created in sent:
            # ...each sent before the previous one's six months ran out, and at most one
            # schedule interval plus slack (the lead) before.
            assert previous + relativedelta(months=6) - scheduled_lead() <= created
            assert created < previous + relativedelta(months=6)
            previous = created

    def test_without_the_lead_the_banner_shows_for_most_of_a_day(self, settings, receiver, superuser):
        """What issue 10 reproduced: waiting until the report is exactly due."""
        due = YEAR_START + relativedelta(months=6)
        # Up to a few days past the first due date: the rest of the year repeats the same half.
        banner_shown, sent = simulate_year(settings, superuser, JITTERS["each run 3 s earlier"],
                                           days=(due - YEAR_START).days + 3)

        assert len(sent) == 1
        hours = [moment for moment in banner_shown if moment.minute == 17 and moment.second == 30]
        # Every hourly check from the hour the report fell due until the next day's run...
        assert hours[0] == due + timedelta(seconds=30)
        assert len(hours) == 24
        # ...and the fresh check right before that run.
        assert len(banner_shown) == 25
        assert sent[0] == banner_shown[-1]


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)  # the command runs in autocommit, where a DataError spoils nothing else
class TestWhereUpstreamRecordsTheWrongThing:
    """On strict MariaDB, as Tutor runs it: the answers upstream's own send records wrongly."""

    @pytest.fixture(autouse=True)
    def _on_mariadb(self):
        from django.db import connection  # pylint: disable=import-outside-toplevel

        if connection.vendor != "mysql":
            pytest.skip("needs SRB_DB=mysql (make test-mysql)")

    def test_a_long_2xx_answer_is_said_and_one_resend_makes_it_count(self, receiver, admin_client, worker):
        """Upstream's 255-character request_details: DataError after the endpoint stored the report."""
        receiver.answer = ('{"stored": true, "note": "' + "x" * 400 + '"}').encode()
        with pytest.raises(CommandError) as failed:
            run("--scheduled")
        assert str(failed.value).endswith(
            "(the endpoint accepted the report, but openedx-platform could not record its answer "
            "(SurveyReportUpload.request_details holds 255 characters)). Nothing reached the Open edX project; "
            "see the LMS logs and /admin/survey_report/surveyreport/."
        )
        report = SurveyReport.objects.get()
        assert report.state == SURVEY_REPORT_ERROR and len(receiver.payloads) == 1
        assert SurveyReportAttempt.objects.get().cause == "unrecorded"
        # The report list's re-send records the answer cut to its column: delivered, not due any more.
        with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
            admin_client.post("/admin/survey_report/surveyreport/",
                              {"action": "send_report", "_selected_action": [report.pk]})
            assert worker() == ["survey_report_banner.tasks.resend_survey_report"]
        assert SurveyReportUpload.objects.get().request_details == receiver.answer.decode()[:255]
        assert run("--scheduled").startswith("Not due: a survey report was sent on")
        assert len(receiver.payloads) == 2

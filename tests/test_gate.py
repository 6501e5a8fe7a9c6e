"""
Tests of survey_report_banner.gate: whether a report may be sent now, and the claim every path makes.

The paths themselves (the views, the guarded endpoint, the command, the re-send action) are tested
where a user meets them; here, the rule's order and the claim's life.
"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.utils.timezone import now as timezone_now
from openedx.features.survey_report.models import (
    SURVEY_REPORT_ERROR,
    SURVEY_REPORT_GENERATED,
    SURVEY_REPORT_PROCESSING,
    SurveyReport,
)

from survey_report_banner import gate
from survey_report_banner.models import SurveyReportAttempt, SurveyReportRequest

from conftest import make_report

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=dt_timezone.utc)
# An inline send's claim at the default settings: the 300 s soft limit, 30 s to the hard one, 60 s slack.
HOLD = timedelta(seconds=300 + 30 + 60)


def decide(**kwargs):
    with time_machine.travel(NOW, tick=False):
        return gate.decide(**kwargs)


def claim(trigger=SurveyReportAttempt.BANNER, at=NOW, **kwargs):
    with time_machine.travel(at, tick=False):
        return gate.claim(trigger, **kwargs)


@pytest.mark.django_db
class TestDecide:
    """The rule, top to bottom."""

    def test_nothing_sent_nothing_on_its_way(self):
        assert decide().outcome is gate.Outcome.SEND

    def test_delivered_within_the_window(self):
        sent = make_report(NOW - timedelta(days=30))
        verdict = decide()
        assert (verdict.outcome, verdict.last_sent) == (gate.Outcome.ALREADY_SENT, sent)

    def test_force_sends_again(self):
        make_report(NOW - timedelta(days=30))
        assert decide(force=True).outcome is gate.Outcome.SEND

    def test_the_lead_looks_ahead(self):
        make_report(NOW - timedelta(days=182))  # six months minus a few hours from NOW + lead
        assert decide().outcome is gate.Outcome.ALREADY_SENT
        assert decide(lead=timedelta(days=3)).outcome is gate.Outcome.SEND

    @pytest.mark.parametrize("state, uploads", [(SURVEY_REPORT_PROCESSING, []), (SURVEY_REPORT_GENERATED, [])])
    def test_a_report_on_its_way(self, state, uploads):
        make_report(NOW - timedelta(minutes=30), state=state, uploads=uploads)
        assert decide().outcome is gate.Outcome.ON_ITS_WAY
        # Not even --force sends a second report while one is being posted.
        assert decide(force=True).outcome is gate.Outcome.ON_ITS_WAY

    def test_a_report_left_on_its_way_past_the_window_failed(self):
        make_report(NOW - timedelta(minutes=61), state=SURVEY_REPORT_GENERATED, uploads=[])
        assert decide().outcome is gate.Outcome.SEND

    def test_at_most_three_attempts_in_any_hour(self):
        for minutes in (50, 20, 10):
            SurveyReportAttempt.objects.create(attempted_at=NOW - timedelta(minutes=minutes), trigger="banner")
        verdict = decide()
        assert verdict.outcome is gate.Outcome.TOO_SOON
        # The oldest of the three leaves the hour first.
        assert verdict.retry_at == NOW + timedelta(minutes=10)
        with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
            assert gate.decide().outcome is gate.Outcome.SEND

    def test_an_attempt_older_than_an_hour_does_not_count(self):
        for minutes in (61, 20, 10):
            SurveyReportAttempt.objects.create(attempted_at=NOW - timedelta(minutes=minutes), trigger="banner")
        assert decide().outcome is gate.Outcome.SEND


@pytest.mark.django_db
class TestClaim:
    """The claim: recorded under the lock, held until a report row appears, released, or expired."""

    def test_records_the_attempt_and_the_claim(self, superuser):
        make_report(NOW - timedelta(days=300), state=SURVEY_REPORT_ERROR)
        verdict = claim(user=superuser)
        assert verdict.may_send and verdict.claimed_at == NOW
        row = SurveyReportRequest.objects.get()
        assert (row.requested_at, row.requested_by, row.trigger, row.busy_until, row.after_report_id) == (
            NOW, superuser, "banner", NOW + HOLD, verdict.after_report_id,
        )
        assert list(SurveyReportAttempt.objects.values_list("trigger", "user")) == [("banner", superuser.pk)]

    def test_a_second_claim_waits_for_the_first_report(self):
        assert claim().may_send
        assert claim(at=NOW + timedelta(minutes=1)).outcome is gate.Outcome.ON_ITS_WAY
        assert SurveyReportAttempt.objects.count() == 1

    def test_the_claim_ends_when_the_worker_creates_its_row(self):
        verdict = claim()
        report = make_report(NOW + timedelta(seconds=5), state=SURVEY_REPORT_ERROR)
        assert gate.own_report(verdict) == report
        assert claim(at=NOW + timedelta(minutes=1)).may_send  # the first failed: try again at once

    def test_the_claim_expires(self):
        claim()
        assert claim(at=NOW + HOLD + timedelta(seconds=1)).may_send

    def test_release(self):
        verdict = claim(trigger=SurveyReportAttempt.RESEND)
        gate.release(verdict.claimed_at)
        assert claim(at=NOW + timedelta(seconds=1)).may_send

    def test_release_leaves_a_newer_claim_alone(self):
        first = claim()
        second = claim(at=NOW + HOLD + timedelta(seconds=2))
        gate.release(first.claimed_at)
        assert SurveyReportRequest.objects.get().busy_until == second.claimed_at + HOLD

    def test_a_queued_claim_holds_for_the_queue_wait_and_the_hard_limit(self):
        """A task may start as late as its expiry and run to its hard limit: the claim outlasts both."""
        verdict = claim(enqueue=lambda claimed_at: "task-1")
        limits = gate.send_limits(verdict.claimed_at)
        busy_until = SurveyReportRequest.objects.get().busy_until
        assert limits["expires"] == NOW + timedelta(minutes=60)
        assert busy_until == limits["expires"] + timedelta(seconds=limits["time_limit"]) + gate.CLOCK_SLACK
        assert SurveyReportAttempt.objects.get().task_id == "task-1"
        assert claim(at=busy_until - timedelta(seconds=1)).outcome is gate.Outcome.ON_ITS_WAY

    @pytest.mark.parametrize("minutes, seconds", [(15, 600), (15, 1), (1440, 600), (60, 300)])
    def test_a_report_row_outlasts_its_send(self, settings, minutes, seconds):
        """Once its row exists the claim ends and the row is on its way: longer than the send can last."""
        settings.SURVEY_REPORT_BANNER_PENDING_MINUTES = minutes
        settings.SURVEY_REPORT_BANNER_SEND_TIMEOUT = seconds
        longest_send = timedelta(seconds=gate.send_limits(NOW)["time_limit"]) + gate.CLOCK_SLACK
        assert gate.conf.pending_window() > longest_send

    def test_a_failed_enqueue_records_nothing(self):
        def broker_down(claimed_at):
            raise ConnectionError("broker down")

        with pytest.raises(ConnectionError):
            claim(enqueue=broker_down)
        assert not SurveyReportAttempt.objects.exists()
        assert SurveyReportRequest.objects.get().requested_at is None
        assert claim().may_send

    def test_refusals_record_no_attempt(self):
        make_report(NOW - timedelta(days=1))
        assert claim().outcome is gate.Outcome.ALREADY_SENT
        assert not SurveyReportAttempt.objects.exists()


def _second_connection():
    """A connection of its own to the test database, in autocommit: another process's worker."""
    import MySQLdb  # pylint: disable=import-outside-toplevel
    from django.db import connection  # pylint: disable=import-outside-toplevel

    params = connection.settings_dict
    return MySQLdb.connect(
        host=params["HOST"] or "127.0.0.1", port=int(params["PORT"] or 3306), user=params["USER"],
        passwd=params["PASSWORD"], db=params["NAME"], charset="utf8mb4", autocommit=True,
    )


def _utc(moment):
    return moment.astimezone(dt_timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
class TestOneConsistentView:
    """
    On MariaDB, whatever a worker commits between two of the gate's statements, the gate never says SEND.

    Django reads MySQL at READ COMMITTED: each statement sees what was committed when it began. A
    second connection commits a send's next step right after the gate's 1st, 2nd, ... statement,
    at every point inside the decision; the step is one a real worker takes.
    """

    @pytest.fixture(autouse=True)
    def _on_mariadb(self):
        from django.db import connection  # pylint: disable=import-outside-toplevel

        if connection.vendor != "mysql":
            pytest.skip("needs SRB_DB=mysql (make test-mysql)")

    def _decide_with(self, step, point):
        """``gate.decide()``, with ``step`` committed by another connection right after its statement ``point``."""
        from django.db import connection  # pylint: disable=import-outside-toplevel

        statements = []

        def commit_after(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            statements.append(sql)
            if len(statements) == point + 1:
                other = _second_connection()
                try:
                    step(other.cursor())
                finally:
                    other.close()
            return result

        with connection.execute_wrapper(commit_after):
            verdict = gate.decide()
        return verdict, len(statements)

    def _every_point(self, arrange, step):
        """Run the decision with ``step`` at each point; the verdicts, having checked every point was reached."""
        verdicts = []
        point = 0
        while True:
            arrange()
            verdict, statements = self._decide_with(step, point)
            if statements <= point:  # The decision ended before this point: every point was covered.
                break
            verdicts.append(verdict.outcome)
            SurveyReportRequest.objects.all().delete()
            SurveyReportAttempt.objects.all().delete()
            SurveyReport.objects.all().delete()
            point += 1
        assert verdicts  # (a held claim answers at the first statement: one point)
        return verdicts

    def test_an_upload_committed_mid_decision(self):
        """The worker's 2xx upload for a report it is posting."""
        state = {}

        def arrange():
            state["report"] = make_report(timezone_now(), state=SURVEY_REPORT_GENERATED, uploads=[])

        def upload(cursor):
            cursor.execute(
                "INSERT INTO survey_report_surveyreportupload (report_id, status_code, request_details, sent_at) "
                "VALUES (%s, 200, 'ok', %s)", (state["report"].pk, _utc(timezone_now())),
            )

        verdicts = self._every_point(arrange, upload)
        assert gate.Outcome.SEND not in verdicts, verdicts

    def test_a_report_row_committed_mid_decision(self):
        """The worker creates the row of a claimed send (which ends the claim): it is on its way."""
        def arrange():
            gate.claim(SurveyReportAttempt.BANNER, enqueue=lambda claimed_at: "task")

        def create_row(cursor):
            cursor.execute(
                "INSERT INTO survey_report_surveyreport (courses_offered, learners, registered_learners,"
                " enrollments, generated_certificates, extra_data, created_at, state)"
                " VALUES (0, 0, 0, 0, 0, '{}', %s, 'processing')",
                (_utc(timezone_now()),),
            )

        verdicts = self._every_point(arrange, create_row)
        assert gate.Outcome.SEND not in verdicts, verdicts

    def test_a_resend_delivered_and_released_mid_decision(self):
        """The re-send task records its upload and ends its claim in one transaction."""
        state = {}

        def arrange():
            state["report"] = make_report(timezone_now() - timedelta(days=2), state=SURVEY_REPORT_ERROR)
            state["claim"] = gate.claim(SurveyReportAttempt.RESEND, enqueue=lambda claimed_at: "task")

        def deliver_and_release(cursor):
            cursor.execute("START TRANSACTION")
            cursor.execute(
                "INSERT INTO survey_report_surveyreportupload (report_id, status_code, request_details, sent_at) "
                "VALUES (%s, 200, 'ok', %s)", (state["report"].pk, _utc(timezone_now())),
            )
            cursor.execute("UPDATE survey_report_banner_surveyreportrequest SET busy_until = NULL")
            cursor.execute("COMMIT")

        verdicts = self._every_point(arrange, deliver_and_release)
        assert gate.Outcome.SEND not in verdicts, verdicts

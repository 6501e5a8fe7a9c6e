"""
``./manage.py lms send_survey_report_if_due``: generate and send a survey report when one is due.

Meant to run often (daily) from a scheduler such as the Tutor plugin's job: it does nothing until
no report was delivered within ``SURVEY_REPORT_CHECK_THRESHOLD`` months, so a missed run never
skips a half-year. Whether it may send is the send gate's rule (``survey_report_banner.gate``), the
same as for *Send report*: a click still queued, another run in progress, or too many failed
attempts within the hour all mean "not now". It runs openedx-platform's own report task in this
process (not through the broker) within ``SURVEY_REPORT_BANNER_SEND_TIMEOUT`` seconds, and reads
its own report row back, so the exit code tells the scheduler whether the report really arrived.

With ``--scheduled`` a report is sent when it *will* fall due before the next scheduled run: a
daily job never starts at the same second twice, and waiting until the report is exactly due
would, every other time, leave the banner up for a day until the next run.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand, CommandError

from survey_report_banner import api, conf, gate, reports, sending
from survey_report_banner.models import SurveyReportAttempt


class Command(BaseCommand):
    """Send the survey report if the last delivered one is older than the threshold."""

    help = __doc__.strip().splitlines()[0]

    def add_arguments(self, parser):
        """Add ``--force`` and ``--scheduled``."""
        parser.add_argument(
            "--force", action="store_true", help="Send a report even if one was sent recently."
        )
        parser.add_argument(
            "--scheduled", action="store_true",
            help=(
                "Run as a scheduler does: do nothing when SURVEY_REPORT_AUTO_SEND is False, and send a "
                "report that falls due within SURVEY_REPORT_SCHEDULED_LEAD_HOURS, before the next run."
            ),
        )

    def handle(self, *args, **options):
        """Ask the send gate; when it says yes, run the report task and say what became of the report."""
        if not conf.survey_report_enabled():
            self.stdout.write(
                "Survey reports are disabled on this site (SURVEY_REPORT_ENABLE is False): nothing to do."
            )
            return
        scheduled = options["scheduled"]
        if scheduled and not conf.auto_send_enabled():
            self.stdout.write(
                "Automatic survey reports are turned off (SURVEY_REPORT_AUTO_SEND is False): nothing to do."
            )
            return
        try:
            reports.report_model()
            task = api.load_report_task()
        except (reports.ReportModelUnusable, api.ReportTaskUnusable) as exc:
            # System checks W003/W002; a clear exit 1 for the scheduler rather than a traceback, and
            # before the gate records an attempt: a setting to fix must not use up the attempts.
            raise CommandError(str(exc)) from exc

        lead = conf.scheduled_lead() if scheduled else timedelta(0)
        verdict = gate.claim(
            SurveyReportAttempt.SCHEDULER if scheduled else SurveyReportAttempt.COMMAND,
            lead=lead, force=options["force"],
        )
        if not verdict.may_send:
            self._not_now(verdict, lead, scheduled)
            return

        self.stdout.write("A survey report is due: generating and sending it now...")
        # In this process, so that the outcome is known before we exit. Upstream's task never
        # raises (it logs and moves the row to "error"), so the row tells the outcome, and the
        # error it logged tells the cause.
        limits = gate.send_limits(verdict.claimed_at)
        try:
            with sending.capture_failure() as failure, \
                    sending.deadline(limits["soft_time_limit"], limits["time_limit"]):
                try:
                    task.apply()
                except Exception as exc:  # pylint: disable=broad-exception-caught
                    # Only with CELERY_TASK_EAGER_PROPAGATES and a task that raises; the row still decides.
                    self.stderr.write(f"The survey report task raised: {exc!r}")
                    failure.exception = failure.exception or exc
        except sending.SendTimedOut as exc:  # Fired outside upstream's try (while saving the row).
            failure.exception = exc
        try:
            report = gate.own_report(verdict)
            delivered = report is not None and reports.is_delivered(report)
            if not delivered:
                gate.record_cause(verdict.attempt_id, sending.cause_of(failure.exception))
        finally:
            gate.release(verdict.claimed_at)  # after the outcome is committed: see gate.release
        if report is None:
            raise CommandError("The survey report could not be sent: the task created no report.")
        if delivered:
            self.stdout.write(self.style.SUCCESS(f"Survey report {report.pk} generated and sent."))
            return
        cause = sending.describe(failure.exception)
        state = getattr(report, "state", reports.REPORT_GENERATED)
        raise CommandError(
            f"The survey report could not be sent: report {report.pk} is in state {state!r}"
            + (f" ({cause})" if cause else "")
            + ". Nothing reached the Open edX project; see the LMS logs and /admin/survey_report/surveyreport/."
        )

    def _not_now(self, verdict, lead, scheduled):
        """Say why nothing is sent now; exit 1 only when sending keeps failing (too many attempts)."""
        if verdict.outcome is gate.Outcome.ALREADY_SENT:
            sent_at = verdict.last_sent.created_at
            months = conf.threshold_months()
            due = sent_at + relativedelta(months=months)
            message = (
                f"Not due: a survey report was sent on {sent_at:%Y-%m-%d %H:%M %Z}; "
                f"the next one is due after {due:%Y-%m-%d} (every {months} months)."
            )
            if scheduled:
                message += f" Scheduled runs send it from {due - lead:%Y-%m-%d %H:%M %Z}."
            self.stdout.write(message)
        elif verdict.outcome is gate.Outcome.ON_ITS_WAY:
            self.stdout.write(
                "Not sending: a survey report is already on its way (requested from the banner or the "
                "report list, or sent by another run); it counts for this window once it arrives."
            )
        else:
            raise CommandError(
                f"Not sending: {gate.MAX_ATTEMPTS} attempts to send a survey report failed within the last "
                f"hour; the next attempt is possible after {verdict.retry_at:%Y-%m-%d %H:%M %Z}."
            )

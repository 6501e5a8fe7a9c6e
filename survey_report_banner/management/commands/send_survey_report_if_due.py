"""
``./manage.py lms send_survey_report_if_due``: generate and send a survey report when one is due.

Meant to run often (daily) from a scheduler such as the Tutor plugin's job: it does nothing until
no report was sent within ``SURVEY_REPORT_CHECK_THRESHOLD`` months, so a missed run never skips a
half-year. It runs edx-platform's own report task in this process (not through the broker) and
reads the outcome from the report row, so the exit code tells the scheduler whether the report
really went out.

With ``--scheduled`` a report is sent when it *will* fall due before the next scheduled run: a
daily job never starts at the same second twice, and waiting until the report is exactly due
would, every other time, leave the banner up for a day until the next run.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from survey_report_banner import api, conf, reports


class Command(BaseCommand):
    """Send the survey report if the last successful one is older than the threshold."""

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
        """Run the report task when a report is due (or ``--force``), and say what happened."""
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
            Report = reports.report_model()  # pylint: disable=invalid-name
        except (LookupError, ValueError) as exc:
            # System check W003; a clear exit 1 for the scheduler rather than a traceback.
            raise CommandError(
                f"The survey report model {conf.report_model_label()!r} is not installed: {exc}"
            ) from exc
        now = timezone.now()
        if not options["force"] and not self._due(now, scheduled):
            return

        try:
            task = api.load_report_task()
        except ImportError as exc:
            raise CommandError(f"The survey report task {conf.task_path()!r} cannot be imported: {exc}") from exc

        newest_before = Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.stdout.write("A survey report is due: generating and sending it now...")
        # In this process, so that the outcome is known before we exit. edx-platform's task never
        # raises (it logs and moves the row to "error"), so the row, not the task, tells the outcome.
        try:
            task.apply()
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # Only with CELERY_TASK_EAGER_PROPAGATES and a task that raises; the row still decides.
            self.stderr.write(f"The survey report task raised: {exc!r}")
        report = Report.objects.filter(pk__gt=newest_before).order_by("-pk").first()
        if report is None:
            raise CommandError("The survey report could not be sent: the task created no report.")
        # Report models from before edx-platform added ``state`` only stored reports that were sent.
        state = getattr(report, "state", reports.REPORT_GENERATED)
        if state != reports.REPORT_GENERATED:
            raise CommandError(
                f"The survey report could not be sent: report {report.pk} is in state {state!r} "
                "(see the LMS logs, and /admin/survey_report/surveyreport/)."
            )
        self.stdout.write(self.style.SUCCESS(f"Survey report {report.pk} generated and sent."))

    def _due(self, now, scheduled):
        """
        Whether a report must be sent now; when not, say why.

        Due means the banner would show: no report sent within the threshold. A scheduled run looks
        ``conf.scheduled_lead()`` ahead, so that it sends the report that the next run would be too late
        for. Once it has, the report just sent hides the banner for the threshold and keeps every
        run of that window "not due": at most one report per window.
        """
        lead = conf.scheduled_lead() if scheduled else timedelta(0)
        last_sent = reports.last_sent_report(now + lead)
        if last_sent is not None:
            months = conf.threshold_months()
            due = last_sent.created_at + relativedelta(months=months)
            message = (
                f"Not due: a survey report was sent on {last_sent.created_at:%Y-%m-%d %H:%M %Z}; "
                f"the next one is due after {due:%Y-%m-%d} (every {months} months)."
            )
            if scheduled:
                message += f" Scheduled runs send it from {due - lead:%Y-%m-%d %H:%M %Z}."
            self.stdout.write(message)
            return False
        if reports.report_pending(None, now):
            self.stdout.write("Not sending: a survey report is being generated right now.")
            return False
        return True

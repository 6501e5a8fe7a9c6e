"""
``./manage.py lms send_survey_report_if_due``: generate and send a survey report when one is due.

Meant to run often (daily) from a scheduler such as the Tutor plugin's job: it does nothing until
no report was sent within ``SURVEY_REPORT_CHECK_THRESHOLD`` months, so a missed run never skips a
half-year. It runs edx-platform's own report task in this process (not through the broker) so the
exit code tells the scheduler whether the report really went out.
"""

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from survey_report_banner import api, conf, reports


class Command(BaseCommand):
    """Send the survey report if the last successful one is older than the threshold."""

    help = __doc__.strip().splitlines()[0]

    def add_arguments(self, parser):
        """Add ``--force``."""
        parser.add_argument(
            "--force", action="store_true", help="Send a report even if one was sent recently."
        )
        parser.add_argument(
            "--scheduled", action="store_true",
            help="Run as a scheduler does: do nothing when SURVEY_REPORT_AUTO_SEND is False.",
        )

    def handle(self, *args, **options):
        """Enqueue the report task when a report is due (or ``--force``), and say what happened."""
        if not conf.survey_report_enabled():
            self.stdout.write(
                "Survey reports are disabled on this site (SURVEY_REPORT_ENABLE is False): nothing to do."
            )
            return
        if options["scheduled"] and not conf.auto_send_enabled():
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
        months = conf.threshold_months()
        last_sent = reports.last_sent_report(now)
        if last_sent is not None and not options["force"]:
            due = last_sent.created_at + relativedelta(months=months)
            self.stdout.write(
                f"Not due: a survey report was sent on {last_sent.created_at:%Y-%m-%d %H:%M %Z}; "
                f"the next one is due after {due:%Y-%m-%d} (every {months} months)."
            )
            return
        if reports.report_pending(None, now) and not options["force"]:
            self.stdout.write("Not sending: a survey report is being generated right now.")
            return

        try:
            task = api.load_report_task()
        except ImportError as exc:
            raise CommandError(f"The survey report task {conf.task_path()!r} cannot be imported: {exc}") from exc

        newest_before = Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.stdout.write("A survey report is due: generating and sending it now...")
        result = task.apply()  # In this process: the exit code must reflect the outcome.
        report = Report.objects.filter(pk__gt=newest_before).order_by("-pk").first()
        state = getattr(report, "state", reports.REPORT_GENERATED) if report else None
        if result.failed() or report is None or state != reports.REPORT_GENERATED:
            reason = result.result if result.failed() else f"report state is {state!r}"
            raise CommandError(f"The survey report could not be sent: {reason}")
        self.stdout.write(self.style.SUCCESS(f"Survey report {report.pk} generated and sent."))

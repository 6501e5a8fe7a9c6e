"""
Database models of the survey report banner.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SurveyReportBannerDismissal(models.Model):
    """
    A superuser's latest "Dismiss" of the banner: hides it for that user for the threshold window.

    One row per user, moved forward by each new dismissal, so operators can see in Django admin who
    declined and when, and repeated clicks do not grow the table.

    .. no_pii:
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="survey_report_banner_dismissals",
        verbose_name=_("user"),
    )
    dismissed_at = models.DateTimeField(_("dismissed at"), default=timezone.now)

    class Meta:
        verbose_name = _("survey report banner dismissal")
        verbose_name_plural = _("survey report banner dismissals")
        ordering = ["-dismissed_at"]
        indexes = [
            # The banner decision asks "has this user dismissed since <date>?" on admin pages.
            models.Index(fields=["user", "dismissed_at"], name="srb_dismissal_user_at"),
        ]
        constraints = [models.UniqueConstraint(fields=["user"], name="srb_dismissal_one_per_user")]

    def __str__(self):
        return f"{self.user} dismissed the survey report banner at {self.dismissed_at:%Y-%m-%d %H:%M}"


class SurveyReportRequest(models.Model):
    """
    The send lock, and the claim of the latest attempt to send a report: a single row.

    Every path that sends (*Send report*, the guarded "Generate Report" button, the scheduler's
    command, the report list's re-send action) locks this row, asks :func:`survey_report_banner.gate.decide`
    whether a report may be sent now, and if so records its claim here before sending. The claim
    says a report is on its way until ``busy_until``, or until a report row newer than
    ``after_report_id`` exists (from then on that row's state speaks), or until the sender releases
    it. So across processes and machines at most one report is on its way at a time.

    .. no_pii:
    """

    SINGLETON_ID = 1

    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    task_id = models.CharField(_("Celery task id"), max_length=255, blank=True, default="")
    trigger = models.CharField(_("trigger"), max_length=16, blank=True, default="")
    # The newest report row's pk when the claim was made: rows above it belong to this attempt.
    # (A pk, not a time: the worker's clock need not agree with the web server's.)
    after_report_id = models.BigIntegerField(_("newest report before the claim"), null=True, blank=True)
    busy_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey report request")
        verbose_name_plural = _("survey report requests")

    def __str__(self):
        return f"Survey report requested at {self.requested_at}"


class SurveyReportAttempt(models.Model):
    """
    One attempt to send a survey report, by any path: what bounds the attempts while sending fails.

    .. no_pii:
    """

    BANNER = "banner"
    ENDPOINT = "endpoint"
    SCHEDULER = "scheduler"
    COMMAND = "command"
    RESEND = "resend"
    TRIGGERS = [
        (BANNER, _("Send report (banner)")),
        (ENDPOINT, _("Generate Report (report list)")),
        (SCHEDULER, _("Scheduled run")),
        (COMMAND, _("Management command")),
        (RESEND, _("Send report to external API (report list)")),
    ]

    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now, db_index=True)
    trigger = models.CharField(_("trigger"), max_length=16, choices=TRIGGERS)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # The Celery task that carried this attempt (blank for one that never reached a broker): the
    # worker records the cause of a failure against it (see signals.py).
    task_id = models.CharField(_("Celery task id"), max_length=255, blank=True, default="")
    # Why the attempt failed, as a cause code (``sending.cause_of``): "http:503", "refused",
    # "timeout", "redirect:302", "unrecorded", "unreachable", "error:...". Blank: no failure known.
    cause = models.CharField(_("cause of failure"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("survey report attempt")
        verbose_name_plural = _("survey report attempts")
        ordering = ["-attempted_at"]

    def __str__(self):
        return f"Survey report attempt ({self.trigger}) at {self.attempted_at:%Y-%m-%d %H:%M}"

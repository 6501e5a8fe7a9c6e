"""
Database models of the survey report banner.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SurveyReportBannerDismissal(models.Model):
    """
    A superuser's "Dismiss" of the banner: hides it for that user for the threshold window.

    Rows are kept (never updated) so operators can see in Django admin who declined and when.

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

    def __str__(self):
        return f"{self.user} dismissed the survey report banner at {self.dismissed_at:%Y-%m-%d %H:%M}"


class SurveyReportRequest(models.Model):
    """
    The latest *Send report* click that enqueued the report task: a single row used as a lock.

    edx-platform's task creates its report row only once a worker picks it up, so between the
    click and that moment nothing in the report table says a report is on its way. This row fills
    that gap: it hides the banner while the request is pending and makes concurrent clicks (double
    clicks, or two superusers at once) enqueue one task, not two.

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

    class Meta:
        verbose_name = _("survey report request")
        verbose_name_plural = _("survey report requests")

    def __str__(self):
        return f"Survey report requested at {self.requested_at}"

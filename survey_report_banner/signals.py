"""
Cache invalidation: every event that can change who sees the banner makes cached decisions stale.

edx-platform's report task creates its row with ``save()`` (a signal) but moves it to
``generated`` or ``error`` with ``QuerySet.update()`` (no signal). So besides model signals we
listen for the task finishing, in whichever worker process ran it (the cache is shared).
"""

from celery.signals import task_postrun
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import banner, conf
from .models import SurveyReportBannerDismissal


@receiver(post_save, sender=SurveyReportBannerDismissal, dispatch_uid="srb_dismissal_saved")
@receiver(post_delete, sender=SurveyReportBannerDismissal, dispatch_uid="srb_dismissal_deleted")
def dismissal_changed(**kwargs):  # pylint: disable=unused-argument
    """A dismissal was recorded or removed."""
    banner.invalidate()


def report_changed(**kwargs):  # pylint: disable=unused-argument
    """A survey report row was created, saved or deleted."""
    banner.invalidate()


@task_postrun.connect(dispatch_uid="srb_report_task_finished")
def report_task_finished(sender=None, **kwargs):  # pylint: disable=unused-argument
    """The report task finished (successfully or not): its ``update()`` calls sent no signal."""
    if sender is not None and getattr(sender, "name", None) == conf.task_path():
        banner.invalidate()


def connect_report_signals():
    """Listen to the report model by label, so this works before (or without) the model loading."""
    label = conf.report_model_label()
    post_save.connect(report_changed, sender=label, dispatch_uid="srb_report_saved")
    post_delete.connect(report_changed, sender=label, dispatch_uid="srb_report_deleted")


connect_report_signals()

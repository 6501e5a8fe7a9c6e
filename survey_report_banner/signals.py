"""
Cache invalidation: every event that can change who sees the banner makes cached decisions stale.

edx-platform's report task creates its row with ``save()`` (a signal) but moves it to
``generated`` or ``error`` with ``QuerySet.update()`` (no signal). So besides model signals we
listen for the task finishing, in whichever worker process ran it (the cache is shared).
"""

from celery.signals import task_postrun
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from waffle import get_waffle_switch_model

from . import banner, conf
from .models import SurveyReportBannerDismissal
from .toggles import DISABLE_BANNER_SWITCH


@receiver(post_save, sender=SurveyReportBannerDismissal, dispatch_uid="srb_dismissal_saved")
@receiver(post_delete, sender=SurveyReportBannerDismissal, dispatch_uid="srb_dismissal_deleted")
def dismissal_changed(**kwargs):  # pylint: disable=unused-argument
    """A dismissal was recorded or removed."""
    banner.invalidate()


@receiver(post_save, sender=get_waffle_switch_model(), dispatch_uid="srb_switch_saved")
@receiver(post_delete, sender=get_waffle_switch_model(), dispatch_uid="srb_switch_deleted")
def switch_changed(instance=None, **kwargs):  # pylint: disable=unused-argument
    """
    The kill switch was flipped, created or deleted (admin, ``waffle_switch`` command).

    The cached decision includes the switch, so a flip must invalidate it; waffle flushes its
    own cache on the same signals' occasions (``save()``/``delete()``).
    """
    if instance is not None and instance.name == DISABLE_BANNER_SWITCH:
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

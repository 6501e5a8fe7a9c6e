"""
Cache invalidation: every event that can change who sees the banner makes cached decisions stale.

edx-platform's report task creates its row with ``save()`` (a signal) but moves it to
``generated`` or ``error`` with ``QuerySet.update()`` (no signal). So besides model signals we
listen for the task finishing, in whichever worker process ran it (the cache is shared). The
admin's "Send report to external API" records a ``SurveyReportUpload``: that can make a report
count as sent, so uploads invalidate too. (The kill switch is not cached by us: waffle clears its
own cache entry when the switch is saved.)
"""

from celery.signals import task_postrun
from django.apps import apps
from django.db.models.signals import post_delete, post_save

from . import conf
from .caching import invalidate
from .models import SurveyReportBannerDismissal


def changed(**kwargs):  # pylint: disable=unused-argument
    """A dismissal, report or upload row was created, saved or deleted."""
    invalidate()


def report_task_finished(sender=None, **kwargs):  # pylint: disable=unused-argument
    """The report task finished (successfully or not): its ``update()`` calls sent no signal."""
    if getattr(sender, "name", None) == conf.task_path():
        invalidate()


def connect():
    """
    Connect the receivers; called from ``AppConfig.ready()``, once every model is loaded.

    The report and upload models are looked up here rather than named as lazy senders: a lazy
    reference to a model that is not installed is a system-check *error* (models.E022), which
    would stop ``migrate`` and every other command of the platform.
    """
    report_label = conf.report_model_label()
    app_label = report_label.split(".")[0]
    models = [SurveyReportBannerDismissal]
    for label in (report_label, f"{app_label}.SurveyReportUpload"):
        try:
            models.append(apps.get_model(label))
        except (LookupError, ValueError):
            continue  # the system checks say so; the banner stays off without the report model
    for model in models:
        post_save.connect(changed, sender=model, dispatch_uid=f"srb_{model._meta.label_lower}_saved")  # pylint: disable=protected-access
        post_delete.connect(changed, sender=model, dispatch_uid=f"srb_{model._meta.label_lower}_deleted")  # pylint: disable=protected-access
    task_postrun.connect(report_task_finished, dispatch_uid="srb_report_task_finished")

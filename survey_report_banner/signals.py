"""
Cache invalidation: every event that can change who sees the banner makes cached decisions stale.

edx-platform's report task creates its row with ``save()`` (a signal) but moves it to
``generated`` or ``error`` with ``QuerySet.update()`` (no signal). So besides model signals we
listen for the task finishing, in whichever worker process ran it (the cache is shared). The
admin's "Send report to external API" records a ``SurveyReportUpload``: that can make a report
count as sent, so uploads invalidate too. (The kill switch is not cached by us: waffle clears its
own cache entry when the switch is saved.)
"""

import logging

from celery.signals import task_postrun, task_prerun
from django.db.models.signals import post_delete, post_save

from . import conf, faults, reports, sending
from .caching import invalidate
from .models import SurveyReportAttempt, SurveyReportBannerDismissal

log = logging.getLogger(__name__)

# The failure catchers of report tasks running in this process, by task id (see report_task_started).
_catchers = {}


def changed(**kwargs):  # pylint: disable=unused-argument
    """A dismissal, report or upload row was created, saved or deleted."""
    invalidate()


def report_task_started(sender=None, task_id=None, **kwargs):  # pylint: disable=unused-argument
    """
    The report task starts in this worker: catch the error it will log if its send fails.

    Upstream's task swallows every exception and logs one line without it; the catcher keeps the
    exception being handled when that line is logged (``sending.capture_failure``), so the
    attempt can record what is known: the HTTP status, a refused connection, a timeout...
    """
    if _is_report_task(sender) and task_id:
        catcher = sending.FailureCatcher()
        logging.getLogger().addHandler(catcher)
        _catchers[task_id] = catcher


def _is_report_task(sender):
    """Whether ``sender`` is the configured report task (never, while the setting is not a dotted path)."""
    path = conf.task_path()
    return path is not None and getattr(sender, "name", None) == path


def report_task_finished(sender=None, task_id=None, **kwargs):  # pylint: disable=unused-argument
    """
    The report task finished (successfully or not): record a failure's cause, and invalidate.

    Upstream's ``update()`` calls sent no model signal, so the cached decisions are stale now.
    """
    if not _is_report_task(sender):
        return
    catcher = _catchers.pop(task_id, None)
    if catcher is not None:
        logging.getLogger().removeHandler(catcher)
        cause = sending.cause_of(catcher.exception)
        if cause:
            try:
                SurveyReportAttempt.objects.filter(task_id=task_id).update(cause=cause)
            except faults.BANNER_FAULTS as exc:  # never fail upstream's task for our record
                faults.warn("recording why the survey report was not sent", exc)
    invalidate()


def connect():
    """
    Connect the receivers; called from ``AppConfig.ready()``, once every model is loaded.

    The report and upload models are looked up here rather than named as lazy senders: a lazy
    reference to a model that is not installed is a system-check *error* (models.E022), which
    would stop ``migrate`` and every other command of the platform. It never raises, whatever the
    settings say: an unusable report model (W003) leaves only the dismissals connected.
    """
    models = [SurveyReportBannerDismissal]
    try:
        models.append(reports.report_model())
    except reports.ReportModelUnusable:
        pass  # the banner stays off without the report model
    else:
        models.append(reports.upload_model())
    for model in filter(None, models):
        post_save.connect(changed, sender=model, dispatch_uid=f"srb_{model._meta.label_lower}_saved")  # pylint: disable=protected-access
        post_delete.connect(changed, sender=model, dispatch_uid=f"srb_{model._meta.label_lower}_deleted")  # pylint: disable=protected-access
    task_prerun.connect(report_task_started, dispatch_uid="srb_report_task_started")
    task_postrun.connect(report_task_finished, dispatch_uid="srb_report_task_finished")

"""The Celery task the banner enqueues, registered under upstream's name."""

import logging

from celery import shared_task

from .api import generate_report

log = logging.getLogger("edx.celery.task")


@shared_task(name="openedx.features.survey_report.tasks.generate_survey_report")
def generate_survey_report():
    """
    Generate and send a survey report (no arguments, as upstream).

    As upstream, every exception is caught and only logged: the task always succeeds in Celery's
    eyes, and a failure is visible only as the report row's ``error`` state (and the log line).
    """
    log.info("Started - generate survey report")
    try:
        generate_report()
        log.info("Done - generate survey report")
    except Exception:  # pylint: disable=broad-except
        log.error("Error - generate survey report")

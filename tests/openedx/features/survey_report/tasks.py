"""The Celery task the banner enqueues, registered under upstream's name."""

import logging

from celery import shared_task

from .api import generate_report

log = logging.getLogger(__name__)


@shared_task(name="openedx.features.survey_report.tasks.generate_survey_report")
def generate_survey_report():
    """Generate and send a survey report (no arguments, as upstream); like upstream, never raise."""
    try:
        return generate_report()
    except Exception:  # pylint: disable=broad-exception-caught
        log.exception("Survey report generation failed")
        return None

"""The Celery task the banner enqueues, registered under upstream's name."""

from celery import shared_task

from .api import generate_report


@shared_task(name="openedx.features.survey_report.tasks.generate_survey_report")
def generate_survey_report():
    """Generate and send a survey report (no arguments, as upstream)."""
    return generate_report()

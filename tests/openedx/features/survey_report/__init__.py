"""
Stand-in for edx-platform's ``openedx.features.survey_report`` app (Palm and later).

It reproduces what the banner relies on: the ``SurveyReport`` model (``created_at``, ``state``),
its admin change list, the ``generate_survey_report`` Celery task (row created with ``save()`` in
state ``processing``, counts filled with ``QuerySet.update()``, POSTed with ``requests`` to
``SURVEY_REPORT_ENDPOINT``, ``error`` on failure), and Redwood's own banner context processor.
"""

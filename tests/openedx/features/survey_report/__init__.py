"""
Stand-in for edx-platform's ``openedx.features.survey_report`` app (Palm and later).

It reproduces what the banner relies on: the ``SurveyReport`` and ``SurveyReportUpload`` models,
the admin change list (its "Generate Report" button, its "Send report to external API" action),
the ``generate_survey_report`` Celery task (row created with ``save()`` in state ``processing``,
counts filled with ``QuerySet.update()``, POSTed with ``requests`` to ``SURVEY_REPORT_ENDPOINT``,
``error`` on failure; the task catches every exception and only logs it), the open
``survey_report/generate_report`` endpoint (any logged-in user), and Redwood's banner context
processor. Where this stand-in and edx-platform disagree, edx-platform is right.
"""

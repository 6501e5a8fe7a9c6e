"""Tutor plugin ``survey_report``: send the Open edX survey report automatically.

The hooks live in :mod:`tutorsurveyreport.plugin`, which Tutor imports only
when the plugin is enabled (entry point group ``tutor.plugin.v1``).
"""

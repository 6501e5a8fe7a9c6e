"""
Management commands: ``send_survey_report_if_due``.
"""

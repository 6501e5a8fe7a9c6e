"""
Invite Open edX superusers to send the anonymized survey report, and stop asking once they answer.
"""

__version__ = "0.1.0"

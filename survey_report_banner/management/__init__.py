"""
Management commands of the survey report banner.
"""

"""
Stand-in for the parts of edx-platform's ``openedx`` package that the banner talks to.
"""

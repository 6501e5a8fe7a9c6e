"""
Stand-in for ``openedx.features``.
"""

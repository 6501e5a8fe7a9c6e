"""Version of the tutor-survey-report distribution (read by pyproject.toml)."""

__version__ = "0.1.0"

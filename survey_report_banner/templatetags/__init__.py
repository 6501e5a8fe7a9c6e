"""Template filters of the survey report banner."""

"""
A small host project that behaves like edx-platform's LMS where the banner cares.

Like ``lms/__init__.py``, importing it loads the Celery app so ``shared_task`` binds to it.
"""

from .celery import APP as CELERY_APP  # noqa: F401

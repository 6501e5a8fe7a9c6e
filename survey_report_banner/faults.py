"""
What the banner does when the database or the shared cache fails: it steps aside.

The banner is optional; the admin is not. A missing table (the package was installed and the LMS
restarted before ``migrate``) or an unreachable memcached/Redis must leave every admin page
working, without the banner, and the logs readable: one warning per process and minute.
"""

import logging
import time

from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


def _cache_errors():
    """The exceptions the LMS's cache clients raise when their server is unreachable."""
    errors = [OSError]  # sockets: refused, reset, timed out (pymemcache raises these too)
    for module, name in (
        ("redis.exceptions", "RedisError"),                     # Django's RedisCache
        ("django_redis.exceptions", "ConnectionInterrupted"),   # django-redis
        ("pymemcache.exceptions", "MemcacheError"),              # PyMemcacheCache
        ("pylibmc", "Error"),                                    # PyLibMCCache
    ):
        try:
            errors.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


#: Catch these, and only these, around anything the banner reads or writes.
BANNER_FAULTS = (DatabaseError, *_cache_errors())

#: What a superuser's click is told when the database or the cache failed under it.
NOT_READY = _(
    "The survey report banner is not ready on this site: its database tables are missing or the "
    "cache is unreachable. Nothing was sent or recorded. Please ask your operator to run the "
    "migrations (./manage.py lms migrate) and check the cache."
)

_WARN_EVERY_SECONDS = 60
_last_warning = {}


def warn(what, exc):
    """Log ``exc`` as one warning line per process, per ``what``, per minute (no traceback flood)."""
    now = time.monotonic()
    if now - _last_warning.get(what, -_WARN_EVERY_SECONDS) >= _WARN_EVERY_SECONDS:
        _last_warning[what] = now
        log.warning(
            "Survey report banner: %s failed (%s: %s); continuing without it. Has `migrate` run, "
            "and is the cache reachable?", what, type(exc).__name__, exc,
        )

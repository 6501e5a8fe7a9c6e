"""
The per-user cache of banner decisions, and how every event that may change them clears it.

A superuser's warm admin page costs one cache round trip and no query. Entries carry a global
generation number: bumping it (:func:`invalidate`) makes every user's entry stale at once, across
web processes and Celery workers, without enumerating keys.
"""

import time

from django.core.cache import caches
from django.db import transaction

from . import conf, faults

GENERATION_KEY = "survey_report_banner:generation"
DECISION_KEY = "survey_report_banner:decision:{user_id}"


def cache():
    """The Django cache holding banner decisions (``SURVEY_REPORT_BANNER_CACHE_ALIAS``)."""
    return caches[conf.cache_alias()]


def cached_decision(user_id, compute, decision_class):
    """
    Return ``compute(user_id)``'s answer from the cache, computing and storing it when absent or stale.

    The entry holds the decision's fields as a plain tuple, rebuilt with ``decision_class``: a
    deploy that changes our classes can never turn an old entry into an unpickling error.
    """
    store = cache()
    key = DECISION_KEY.format(user_id=user_id)
    found = store.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY, 0)
    cached = found.get(key)
    if cached is not None and cached[0] == generation:
        return decision_class(*cached[1:])
    decision = compute(user_id)
    timeout = conf.cache_timeout()
    if decision.cacheable and timeout > 0:
        # In the decision class's field order; new fields go last, so older entries still build.
        store.set(key, (generation, decision.show, decision.reason, decision.last_error_at, decision.retry_at,
                        decision.last_cause, decision.last_report_state), timeout)
    return decision


def invalidate():
    """
    Make every cached decision stale: call after anything that may change who sees the banner.

    It never raises: it runs inside edx-platform's own report code (model signals, task signals),
    which must not fail because the cache is down. Entries then expire by their timeout.
    """
    _bump_generation()
    if transaction.get_connection().in_atomic_block:
        # The change is not committed yet (the LMS runs views with ATOMIC_REQUESTS): a concurrent
        # request could still read the old rows and cache them under the new generation. Bump
        # once more when the change is visible to everyone (dropped if it is rolled back).
        transaction.on_commit(_bump_generation)


def _bump_generation():
    store = cache()
    try:
        try:
            store.incr(GENERATION_KEY)
        except ValueError:
            # Not set yet, or evicted: start from the clock so the new number can never equal one
            # that entries written before the eviction carry.
            if not store.add(GENERATION_KEY, time.time_ns() // 1000, timeout=None):
                store.incr(GENERATION_KEY)
    except faults.BANNER_FAULTS as exc:
        faults.warn("clearing cached banner decisions", exc)


"""What every visitor sees alike, cached under the catalog's version (issue 17).

Migration 0007's triggers give the catalog a new random version with every write to it;
every key here includes the version, so one write retires every cached count and page
fragment at once, on every server, the moment it commits: the person who made it never
sees the page from before. Never cached: anything that depends on the visitor (forms, CSRF
tokens, librarian-only parts, messages, holds).

A cache that does not answer (Redis down: django-redis's IGNORE_EXCEPTIONS answers a miss)
is a miss, and the page is computed as if nothing were cached; cached() then leaves the
cache alone for a few seconds, as it does when the cache answers too slowly. ({% cache %}
in the templates keeps asking: a list or detail page waits for two socket timeouts during
an outage.)
"""

import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

# Entries of an older version are never read again: they only have to expire.
CACHE_SECONDS = 3600

# The version and today's notices (SiteNotice.objects.current(), newest first) come in one
# round trip: every page shows the notices, most pages need the version.
SITE_STATE_SQL = """
    SELECT 'version', NULL, version FROM catalog_version WHERE name = 'catalog'
    UNION ALL
    SELECT 'notice', id, text FROM catalog_sitenotice
    WHERE active AND (starts_on IS NULL OR starts_on <= %s) AND (ends_on IS NULL OR ends_on >= %s)
"""


@dataclass(frozen=True)
class Notice:
    pk: int
    text: str


@dataclass(frozen=True)
class SiteState:
    catalog_version: str
    notices: list


def site_state(request):
    """The catalog's version and today's notices, read once per request, in one query.

    Through a cursor: a fraction of the CPU the ORM spends building the same queries.
    """
    try:
        return request._catalog_site_state
    except AttributeError:
        pass
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(SITE_STATE_SQL, [today, today])
        rows = cursor.fetchall()
    versions = [value for kind, _, value in rows if kind == "version"]
    notices = sorted(
        (Notice(pk, text) for kind, pk, text in rows if kind == "notice"), key=lambda n: -n.pk
    )
    # Without its row (a database restored without it) nothing is ever served from the cache.
    version = versions[0] if versions else f"uncached-{uuid.uuid4().hex}"
    request._catalog_site_state = SiteState(version, notices)
    return request._catalog_site_state


def catalog_version(request):
    return site_state(request).catalog_version


# A cache slower than this is as good as down (django-redis answers a miss after its socket
# timeout, 0.25 s in settings): skip it for a while, as every call would wait as long.
SLOW_CACHE_SECONDS = 0.2
OUTAGE_SECONDS = 10
_cache_down_until = 0.0


def cached(request, name, compute, timeout=CACHE_SECONDS):
    """compute()'s value, computed once per version of the catalog (or every time while the
    cache is down)."""
    global _cache_down_until
    if time.monotonic() < _cache_down_until:
        return compute()
    key = f"catalog:{catalog_version(request)}:{name}"
    began = time.monotonic()
    value = cache.get(key)
    # A miss that took this long is a timeout (a value that came back slowly, a thread
    # that waited for its turn on a busy server, is not: it is used).
    if value is None and time.monotonic() - began > SLOW_CACHE_SECONDS:
        _cache_down_until = time.monotonic() + OUTAGE_SECONDS
        return compute()
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value

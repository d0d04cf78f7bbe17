"""`cached_db` sessions that survive Redis going away and coming back (DJANGO_SESSION_ENGINE).

Django's `cached_db` store writes each session to the database, then to the cache, and reads
the cache first. With django-redis ignoring connection errors (settings.CACHES), a dead Redis
only costs a short socket timeout and sessions come from the database. The danger is Redis
coming back with entries written before the outage: a logout, a login or a visit counted
while it was gone changed only the database, and the old entry would override it (and be
written back). So every entry carries the cache's *generation*, a random value kept in the
database (the `sessions` row of `catalog_version`, migration 0011), and an entry of another
generation is a miss. A session write or delete that does not reach Redis gives the database
a new generation at once: every entry from before the outage is void on every server, read
back from the database as needed. Reading the generation is one primary-key query of a small
table through a cursor, a fraction of the ORM read of the session row it saves.

Entries also live at most CACHE_LIFETIME in Redis: the database stays the record.
"""

import secrets

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.db import connections, router

KEY_PREFIX = "locallibrary.sessions:"
# The row of catalog_version that holds the generation.
GENERATION = "sessions"
# Seconds an entry may serve before the database is read again (one indexed query per
# active visitor per minute at most; the DB stays the record).
CACHE_LIFETIME = 60


class SessionStore(CachedDBStore):
    cache_key_prefix = KEY_PREFIX

    def __init__(self, session_key=None):
        super().__init__(session_key)
        # The generation this request reads and writes under; None: not read yet.
        self._generation = None
        # False once the cache failed in this request: the rest of it uses the database only.
        self._cache_usable = True

    # The cache, trusted only under the database's generation

    def _database(self):
        return connections[router.db_for_write(self.model)]

    def _current_generation(self):
        """The database's generation, read once per request; "" when there is none."""
        if self._generation is None:
            with self._database().cursor() as cursor:
                cursor.execute("SELECT version FROM catalog_version WHERE name = %s", [GENERATION])
                row = cursor.fetchone()
            self._generation = row[0] if row else ""
        return self._generation

    def _void_cache(self):
        """A write or delete missed Redis: a new generation voids every older entry."""
        self._cache_usable = False
        self._generation = secrets.token_hex(16)
        with self._database().cursor() as cursor:
            cursor.execute(
                "UPDATE catalog_version SET version = %s WHERE name = %s",
                [self._generation, GENERATION],
            )

    def _cached_session(self):
        """The session's entry if Redis holds one of the current generation, else None."""
        if not self._cache_usable or not self._current_generation():
            return None
        entry = self._cache.get(self.cache_key)
        if isinstance(entry, tuple) and entry[0] == self._generation:
            return entry[1]
        return None

    def _write_cache(self, data, age):
        if not self._cache_usable or not self._current_generation():
            return
        if not self._cache.set(self.cache_key, (self._generation, data), min(age, CACHE_LIFETIME)):
            self._void_cache()

    # Django's session API

    def load(self):
        data = self._cached_session()
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._write_cache(data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        # The database decides: a cache entry alone may be a leftover.
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()  # which saves with the new key
        DBStore.save(self, must_create)
        self._write_cache(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        if not self._cache_usable or self._cache.delete(KEY_PREFIX + session_key) is None:
            self._void_cache()

    # The site runs under WSGI; the async API does the same work in a thread.
    aload = sync_to_async(load)
    aexists = sync_to_async(exists)
    asave = sync_to_async(save)
    adelete = sync_to_async(delete)

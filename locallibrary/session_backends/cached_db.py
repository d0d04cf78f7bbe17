"""`cached_db` sessions that survive Redis going away and coming back (DJANGO_SESSION_ENGINE).

Django's `cached_db` store writes each session to the database, then to the cache, and reads
the cache first. With django-redis ignoring connection errors (settings.CACHES), a dead Redis
only costs a short socket timeout and sessions come from the database. The danger is Redis
coming back with entries written before the outage: a logout, a login or a visit counted
while it was gone changed only the database, and the old entry would override it (and be
written back). So every entry carries the cache's current *generation* (a token kept in Redis
beside the entries and read in the same round trip, MGET), and an entry of another generation
is a miss. A process whose session write or delete did not reach Redis remembers it and, at
its next session, sets a new generation before using the cache again: every entry from before
the outage is void at once, read back from the database as needed.

One gap remains, bounded: a process that saw no failure could read an old entry after Redis
returns and before a process that missed a write has set the new generation (that process's
next session request). Entries therefore live at most CACHE_LIFETIME in Redis, which also
covers writes that a paused Redis executes late.
"""

import secrets
import threading

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

KEY_PREFIX = "locallibrary.sessions:"
GENERATION_KEY = "locallibrary.sessions.generation"
# Seconds an entry may serve before the database is read again (one indexed query per
# active visitor per minute at most; the DB stays the record).
CACHE_LIFETIME = 60

# Set when a write or delete in this process did not reach the cache: whatever Redis still
# holds may be older than the database, until a new generation voids it.
_missed_write = threading.Event()


class SessionStore(CachedDBStore):
    cache_key_prefix = KEY_PREFIX

    def __init__(self, session_key=None):
        super().__init__(session_key)
        # The generation read or set by this request; None: not known yet.
        self._generation = None
        # False once the cache failed in this request: the rest of it uses the database only.
        self._cache_usable = True

    # The cache, trusted only under the current generation

    def _start_new_generation_if_needed(self):
        """After a missed write, a new generation voids older entries; False if Redis is down."""
        if not _missed_write.is_set():
            return True
        token = secrets.token_hex(8)
        if self._cache.set(GENERATION_KEY, token, timeout=None):
            _missed_write.clear()
            self._generation = token
            return True
        self._cache_usable = False
        return False

    def _cached_session(self):
        """The session's entry if Redis holds one of the current generation, else None."""
        if not self._cache_usable or not self._start_new_generation_if_needed():
            return None
        if self._generation is not None:  # just set: nothing can be of it yet
            return None
        found = self._cache.get_many([GENERATION_KEY, self.cache_key])
        self._generation = found.get(GENERATION_KEY)
        entry = found.get(self.cache_key)
        if self._generation and isinstance(entry, tuple) and entry[0] == self._generation:
            return entry[1]
        return None

    def _current_generation(self):
        """The generation to write under, creating the first one; None if Redis is down."""
        if not self._cache_usable or not self._start_new_generation_if_needed():
            return None
        if self._generation is None:
            token = secrets.token_hex(8)
            added = self._cache.add(GENERATION_KEY, token, timeout=None)
            if added is None:  # django-redis answers None when it ignored a connection error
                self._cache_usable = False
                return None
            self._generation = token if added else self._cache.get(GENERATION_KEY)
        return self._generation or None

    def _write_cache(self, data, age):
        generation = self._current_generation()
        if generation is None or not self._cache.set(
            self.cache_key, (generation, data), min(age, CACHE_LIFETIME)
        ):
            self._cache_usable = False
            _missed_write.set()

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
            _missed_write.set()

    # The site runs under WSGI; the async API does the same work in a thread.
    aload = sync_to_async(load)
    aexists = sync_to_async(exists)
    asave = sync_to_async(save)
    adelete = sync_to_async(delete)

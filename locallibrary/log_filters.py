"""Logging filters for settings.LOGGING: a fault logged once a minute, not once per request."""

import logging
import threading
import time


class OncePerInterval(logging.Filter):
    """Let one record through per interval (per process); count the ones held back.

    A database or Redis outage fails every request: one line a minute says the same thing
    without burying the rest of the log.
    """

    def __init__(self, seconds=60):
        super().__init__()
        self.seconds = seconds
        self._lock = threading.Lock()
        self._next_report = 0.0
        self._held_back = 0

    def filter(self, record):
        now = time.monotonic()
        with self._lock:
            if now < self._next_report:
                self._held_back += 1
                return False
            held_back, self._held_back = self._held_back, 0
            self._next_report = now + self.seconds
        self.rewrite(record)
        record.msg = (
            f"{record.getMessage()} ({held_back} more like it since the last report; "
            f"next report in {self.seconds}s at the earliest)"
        )
        record.args = None
        return True

    def rewrite(self, record):
        pass


class CacheUnavailable(OncePerInterval):
    """django-redis's "Exception ignored" with a traceback, as one WARNING line a minute."""

    def rewrite(self, record):
        error = record.exc_info[1] if record.exc_info else None
        cause = getattr(error, "__cause__", None) or error
        detail = f"{type(cause).__name__}: {cause}" if cause else "no detail"
        record.msg = "Cache (Redis) unreachable, skipped; sessions are read from the database: %s"
        record.args = (detail,)
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"

"""The database gone: "try again in a moment" (503) instead of a 500 with a traceback."""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger("locallibrary.database")

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "_locallibrary_database_unavailable"


def is_database_unavailable(error):
    """A connection that failed or broke: errors the next attempt may not have.

    Operational and interface errors are the database's state, not the site's code (refused
    or lost connections, a locked SQLite file, a server shutting down); programming and
    integrity errors stay 500s.
    """
    return isinstance(error, OperationalError | InterfaceError)


def unavailable_page():
    """The 503 page: rendered without a request, so no context processor, session or query."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # The middleware below this one (which sets these on other pages) did not run.
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    response["Referrer-Policy"] = "same-origin"
    response["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    return response


def _mark_request(sender, request=None, **kwargs):
    """Django turned an exception raised in a middleware into a 500: note when it was ours."""
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        setattr(request, UNAVAILABLE, True)


class DatabaseUnavailableMiddleware:
    """First in MIDDLEWARE: a database connection error anywhere in the request answers 503.

    Views' errors come to process_exception (no traceback logged); errors raised in another
    middleware (a session saved after the view, say) have already become a 500 response
    when they reach this one, so Django's got_request_exception signal marks the request and
    the 500 is replaced here. Nothing is kept between requests: the next one connects afresh
    (persistent connections are health-checked), so the site recovers by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_mark_request, dispatch_uid=UNAVAILABLE)

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, UNAVAILABLE, False):
            return unavailable_page()
        return response

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            logger.warning("Database unavailable, answered 503: %s", exception)
            setattr(request, UNAVAILABLE, True)
            return unavailable_page()
        return None

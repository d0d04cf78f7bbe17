"""The production settings plus one middleware that reads the session before any view runs.

For the database-down test: a middleware of the kind later issues add (reading the session,
as a lockout or a preference would), so its database error is raised in a middleware, not a
view. Used by a gunicorn process only (DJANGO_SETTINGS_MODULE), never by the test run.
"""

from locallibrary.settings import *  # noqa: F403
from locallibrary.settings import MIDDLEWARE


class SessionReadingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.session.get("num_visits")  # loads the session: a database query
        return self.get_response(request)


MIDDLEWARE = [*MIDDLEWARE, "catalog.tests.fault_settings.SessionReadingMiddleware"]

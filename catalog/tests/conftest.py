"""Shared fixtures for the catalog's tests, and which tests run.

The tests in services/ need real PostgreSQL and Redis servers.
"""

import os
import re

import pytest
from django.test import Client
from django.urls import reverse

from .factories import PASSWORD, LibrarianFactory, MemberFactory


def services_are_running():
    """True in the services run of `make test` (scripts/with-services.sh sets these)."""
    return (
        os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
        and os.environ.get("DJANGO_SESSION_ENGINE") == "cached_db"
        and bool(os.environ.get("REDIS_URL"))
    )


# Collected only in the services run: never skipped, simply not part of the SQLite run.
collect_ignore = [] if services_are_running() else ["services"]


@pytest.fixture
def password():
    """The password of every user the factories make."""
    return PASSWORD


@pytest.fixture
def member(db):
    """A patron in the `Library Members` group: may borrow, may not edit the catalog."""
    return MemberFactory()


@pytest.fixture
def librarian(db):
    """A staff user in the `Librarians` group: holds every catalog permission."""
    return LibrarianFactory()


@pytest.fixture
def member_client(client, member):
    """The test client, logged in as `member`."""
    client.force_login(member)
    return client


@pytest.fixture
def librarian_client(client, librarian):
    """The test client, logged in as `librarian`."""
    client.force_login(librarian)
    return client


@pytest.fixture
def librarians_only(client, member):
    """librarians_only(url, **query): anonymous visitors are sent to log in, members get 403."""

    def check(url, **query):
        client.logout()
        response = client.get(url, query)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        client.force_login(member)
        assert client.get(url, query).status_code == 403

    return check


@pytest.fixture
def csrf_client():
    """A browser whose POSTs Django checks for the CSRF token (the test client skips it)."""
    return Client(enforce_csrf_checks=True)


def csrf_token_from(response):
    """The CSRF token in the first form of a page, as a browser would send it back."""
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, "the page has no form with a CSRF token"
    return found[1]


@pytest.fixture
def csrf_token():
    """csrf_token(response): the token a page's form carries."""
    return csrf_token_from


def log_in_as_a_browser(client, user_or_name, password=PASSWORD, **extra):
    """Show the login form (it sets the test cookie), then send it: what a browser does."""
    username = getattr(user_or_name, "username", user_or_name)
    client.get(reverse("login"))
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


@pytest.fixture
def log_in():
    """log_in(client, user or username, password=..., **fields): log in through the form."""
    return log_in_as_a_browser

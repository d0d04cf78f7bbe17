"""Faults the site survives on any database: the database gone, a mail server that fails.

The database gone: the Procfile's gunicorn with DEBUG off, its SQLite file in a folder that
does not exist yet, answers 503 with a page of its own and recovers, without a restart, once
the database is there. (On PostgreSQL, stopped and started again: services/test_faults_database.py.)
"""

import datetime
import logging
import re
import secrets
import socket
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import BookInstance, Hold, Loan, ReminderSent
from locallibrary.middleware import unavailable_page

from . import mail_backends, servers
from .factories import BookInstanceFactory, LibrarianFactory, LoanedCopyFactory, MemberFactory
from .servers import Browser, collectstatic, production_env, release, web_server

# Database gone


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """The build step, as the PaaS runs it: the 503 page links the hashed stylesheet."""
    return collectstatic(production_env(f"sqlite:///{tmp_path_factory.mktemp('static')}/db"))


@pytest.fixture(params=["locallibrary.settings", "catalog.tests.fault_settings"])
def site_without_database(request, tmp_path, collected_static):
    """gunicorn whose SQLite folder is missing; also with a middleware that reads the session.

    Yields the site's address and a function that brings the database (migrated) into being.
    """
    folder = tmp_path / "not-yet"
    env = production_env(f"sqlite:///{folder}/db.sqlite3", DJANGO_SETTINGS_MODULE=request.param)

    def database_returns():
        folder.mkdir()
        release(env)

    with web_server(env, tmp_path) as base_url:
        yield base_url, database_returns


class ReturningVisitor(Browser):
    """A browser sending a session cookie, so the session is read from the database."""

    def request(self, url, data=None, headers=None):
        cookie = {"Cookie": f"sessionid={SESSION_KEY}"}
        return super().request(url, data, {**cookie, **(headers or {})})


SESSION_KEY = secrets.token_hex(16)


def assert_unavailable_page(response):
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    assert "Unavailable for a moment" in response.text
    assert "Try again" in response.text
    assert "Traceback" not in response.text
    assert "sessionid" not in (response.headers.get("Set-Cookie") or "")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_visitors_get_a_503_try_again_page_while_the_database_is_gone(site_without_database):
    base_url, _ = site_without_database
    for browser in (Browser(), ReturningVisitor()):
        for path in ("/catalog/", "/catalog/books/", "/accounts/login/"):
            assert_unavailable_page(browser.get(f"{base_url}{path}"))
    health = Browser().get(f"{base_url}/healthz")
    assert health.status == 503


def test_the_503_page_is_styled_like_the_site(site_without_database):
    base_url, _ = site_without_database
    page = Browser().get(f"{base_url}/catalog/")
    assert_unavailable_page(page)
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)[1]
    assert re.fullmatch(r"/static/css/styles\.[0-9a-f]{12}\.css", stylesheet)
    assert Browser().get(f"{base_url}{stylesheet}").status == 200


def test_the_site_recovers_by_itself_when_the_database_returns(site_without_database):
    base_url, database_returns = site_without_database
    browser = ReturningVisitor()
    assert_unavailable_page(browser.get(f"{base_url}/catalog/"))
    database_returns()
    home = browser.get(f"{base_url}/catalog/")
    assert home.status == 200
    assert "You have visited this page 1 time." in home.text
    assert Browser().get(f"{base_url}/healthz").status == 200


def test_the_503_page_needs_no_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = unavailable_page()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


# A mail server that refuses or does not answer


@pytest.fixture
def silent_mail_server():
    """A port that accepts connections and never says a word (a hung SMTP server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.fixture
def closed_port():
    return servers.free_port()


@pytest.fixture(params=["refusing", "silent"])
def failing_smtp(request, settings):
    """SMTP to a closed port, or to one that never answers, with a 1 s EMAIL_TIMEOUT."""
    port = request.getfixturevalue(
        "closed_port" if request.param == "refusing" else "silent_mail_server"
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 1
    return request.param


@pytest.mark.django_db
def test_a_return_stands_when_the_hold_ready_mail_fails(
    client, failing_smtp, django_capture_on_commit_callbacks, caplog
):
    librarian = LibrarianFactory()
    patron = MemberFactory()
    copy = BookInstanceFactory()
    due = timezone.localdate() + datetime.timedelta(weeks=3)
    services.lend_copy(copy=copy, borrower=MemberFactory(), due_back=due)
    services.place_hold(book=copy.book, patron=patron)
    client.force_login(librarian)
    began = time.monotonic()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("return-book-librarian", args=[copy.pk]))
    assert response.status_code == 302
    assert time.monotonic() - began < 5  # the 1 s timeout, not a hung page
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == (BookInstance.LoanStatus.RESERVED, patron)
    assert Loan.objects.get(copy=copy).returned_on is not None
    assert Hold.objects.get(patron=patron).ready_on is not None
    [warning] = [r for r in caplog.records if r.name == "catalog.mail"]
    assert warning.levelno == logging.WARNING
    assert patron.email in warning.getMessage()


@pytest.mark.django_db
def test_the_daily_reminders_stop_at_once_when_the_mail_server_is_gone(failing_smtp, caplog):
    """One timeout and one WARNING for the run, not one per borrower; the next run sends."""
    borrowers = MemberFactory.create_batch(4)
    for borrower in borrowers:
        LoanedCopyFactory(borrower=borrower, due_back=timezone.localdate())
    with caplog.at_level(logging.WARNING):
        assert services.send_overdue_reminders() == 0
    [warning] = [r for r in caplog.records if r.name == "catalog.mail"]
    assert "reminders stopped after 0 sent; the next run sends the rest" in warning.getMessage()
    assert not ReminderSent.objects.exists()


@pytest.mark.django_db
def test_a_recipient_the_mail_server_refuses_does_not_stop_the_others(settings, caplog):
    """A refused address is that borrower's problem only: the run goes on to the next."""
    settings.EMAIL_BACKEND = mail_backends.REFUSING_FIRST
    borrowers = MemberFactory.create_batch(3)
    for borrower in borrowers:
        LoanedCopyFactory(borrower=borrower, due_back=timezone.localdate())
    with caplog.at_level(logging.WARNING):
        assert services.send_overdue_reminders() == 2
    assert ReminderSent.objects.count() == 2
    assert len([r for r in caplog.records if r.name == "catalog.mail"]) == 1

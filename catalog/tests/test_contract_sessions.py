"""The contract's "Home page and sessions" and "What the session remembers" sections."""

import datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.backends import db as db_sessions
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import SiteNotice

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LoanedCopyFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db

COOKIES_REFUSED = "Your browser does not accept cookies. Please enable cookies and try again."


def set_session(client, **values):
    session = client.session
    session.update(values)
    session.save()


# Home page and sessions


def test_the_home_page_counts_the_records(client):
    BookInstanceFactory.create_batch(2)
    BookInstanceFactory(status="o")
    AuthorFactory()
    GenreFactory.create_batch(4)
    response = client.get("/catalog/")
    assert "index.html" in [t.name for t in response.templates]
    context = response.context
    assert context["num_books"] == 3
    assert context["num_instances"] == 3
    assert context["num_instances_available"] == 2
    assert context["num_authors"] == 4
    assert context["num_genres"] == 4


def test_the_visit_counter_counts_this_visit_with_pluralize(client):
    first = client.get("/catalog/")
    assert "You have visited this page 1 time." in first.content.decode()
    assert client.session["num_visits"] == 1
    second = client.get("/catalog/")
    assert "You have visited this page 2 times." in second.content.decode()
    assert client.session["num_visits"] == 2


@pytest.mark.parametrize("bad", ["7", -3, 2.5, None, [1], {"a": 1}, True, "abc"])
def test_a_bad_stored_visit_count_counts_as_zero(client, bad):
    set_session(client, num_visits=bad)
    response = client.get("/catalog/")
    assert response.status_code == 200
    assert "You have visited this page 1 time." in response.content.decode()


def test_a_large_stored_visit_count_keeps_counting(client):
    set_session(client, num_visits=41)
    assert "You have visited this page 42 times." in client.get("/catalog/").content.decode()


def test_sessions_live_in_the_database(client):
    # `db` by default; `cached_db` (the services run) writes through to the database too.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, db_sessions.SessionStore)
    client.get("/catalog/")
    assert Session.objects.count() == 1


def test_the_session_cookie_is_httponly_lax_and_secure(client):
    response = client.get("/catalog/")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"]


def test_the_login_page_sets_the_test_cookie_and_login_deletes_it(client, password):
    user = MemberFactory()
    client.get(reverse("login"))
    assert client.session.test_cookie_worked()
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302
    assert not client.session.test_cookie_worked()
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_browser_that_sent_no_cookie_back_is_not_logged_in(client, password):
    user = MemberFactory()
    # No GET of the login page first: the test cookie was never set.
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 200
    assert COOKIES_REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_browser_that_blocks_cookies_gets_the_login_page_with_the_message(password):
    user = MemberFactory()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 403
    content = response.content.decode()
    assert COOKIES_REFUSED in content
    assert "CSRF verification failed" not in content
    assert 'name="username"' in content


def test_csrf_stays_enforced_for_a_browser_with_cookies(password):
    user = MemberFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("login"))
    response = browser.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_the_session_key_changes_at_login_and_is_flushed_at_logout(client, log_in):
    user = MemberFactory()
    client.get("/catalog/")
    before = client.session.session_key
    log_in(client, user)
    after = client.session.session_key
    assert after != before
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=after).exists()


# What the session remembers for a visitor: page size


def test_the_preferences_page_offers_the_four_page_sizes(client):
    response = client.get("/catalog/preferences/")
    assert reverse("preferences") == "/catalog/preferences/"
    assert response.status_code == 200
    assert "catalog/preferences.html" in [t.name for t in response.templates]
    choices = [str(value) for value, _ in response.context["form"].fields["page_size"].choices]
    assert choices == ["10", "25", "50", "100"]


@pytest.mark.parametrize("size", [10, 25, 50, 100])
def test_a_visitor_without_an_account_chooses_a_page_size(client, size):
    response = client.post("/catalog/preferences/", {"page_size": str(size)})
    assert response.status_code == 302
    assert client.session["page_size"] == size
    assert type(client.session["page_size"]) is int


@pytest.mark.parametrize("bad", ["7", "0", "1000", "abc", "", "25.0", "-10"])
def test_another_page_size_is_a_form_error_and_changes_nothing(client, bad):
    client.post("/catalog/preferences/", {"page_size": "25"})
    response = client.post("/catalog/preferences/", {"page_size": bad})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.session["page_size"] == 25


def test_every_list_search_and_borrowed_page_uses_the_chosen_size(client):
    import factory

    member = MemberFactory()
    BookFactory.create_batch(30, title=factory.Sequence(lambda n: f"Atlas {n:03d}"))
    AuthorFactory.create_batch(30)
    GenreFactory.create_batch(30)
    BookInstanceFactory.create_batch(5)
    LoanedCopyFactory.create_batch(30, borrower=member)
    client.force_login(member)
    client.post("/catalog/preferences/", {"page_size": "25"})
    for path in [
        "/catalog/books/",
        "/catalog/authors/",
        "/catalog/genres/",
        "/catalog/bookinstances/",
        "/catalog/search/?q=Atlas",
        "/catalog/mybooks/",
    ]:
        response = client.get(path)
        assert response.context["page_obj"].paginator.per_page == 25, path
        assert len(response.context["page_obj"].object_list) == 25, path


@pytest.mark.parametrize("bad", [7, "25", None, True, -10, 1000, [25]])
def test_a_bad_stored_page_size_falls_back_to_ten(client, bad):
    BookFactory.create_batch(12)
    set_session(client, page_size=bad)
    response = client.get("/catalog/books/")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.per_page == 10


# Notices


def test_a_notice_is_active_by_default_with_optional_dates():
    notice = SiteNotice.objects.create(text="Closed on Monday")
    assert notice.active
    assert notice.starts_on is None and notice.ends_on is None


def test_a_visitor_dismisses_a_notice_for_their_browser_only(client):
    notice = SiteNotice.objects.create(text="Closed on Monday")
    other = Client()
    assert "Closed on Monday" in client.get("/catalog/books/").content.decode()
    assert reverse("dismiss-notice", args=[notice.pk]) == f"/catalog/notice/{notice.pk}/dismiss/"
    response = client.post(f"/catalog/notice/{notice.pk}/dismiss/", {"next": "/catalog/books/"})
    assert response.status_code == 302
    assert response["Location"] == "/catalog/books/"
    assert notice.pk in client.session["dismissed_notices"]
    assert "Closed on Monday" not in client.get("/catalog/books/").content.decode()
    assert "Closed on Monday" in other.get("/catalog/books/").content.decode()


def test_notices_show_only_between_their_dates_and_while_active(client):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    SiteNotice.objects.create(text="Future notice", starts_on=today + day)
    SiteNotice.objects.create(text="Past notice", ends_on=today - day)
    SiteNotice.objects.create(text="Inactive notice", active=False)
    SiteNotice.objects.create(text="Today notice", starts_on=today, ends_on=today)
    content = client.get("/catalog/").content.decode()
    assert "Today notice" in content
    for hidden in ("Future notice", "Past notice", "Inactive notice"):
        assert hidden not in content


@pytest.mark.parametrize(
    "next_value",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "word",
        "\x00",
        "http://testserver/catalog/books/",
        "/\\evil.example",
    ],
)
def test_dismissing_never_returns_to_another_site(client, next_value):
    notice = SiteNotice.objects.create(text="Closed")
    response = client.post(f"/catalog/notice/{notice.pk}/dismiss/", {"next": next_value})
    assert response.status_code == 302
    location = response["Location"]
    assert "evil" not in location and not location.startswith("javascript")


def test_dismissing_is_a_post_and_an_unknown_notice_is_404(client):
    notice = SiteNotice.objects.create(text="Closed")
    assert client.get(f"/catalog/notice/{notice.pk}/dismiss/").status_code == 405
    assert client.post("/catalog/notice/999999/dismiss/").status_code == 404


# Recently viewed


def test_the_home_page_lists_recently_viewed_books_newest_first(client):
    books = BookFactory.create_batch(7)
    for book in books:
        client.get(book.get_absolute_url())
    client.get(books[3].get_absolute_url())  # seen again: first, not repeated
    assert client.session["recently_viewed"] == [
        books[3].pk,
        books[6].pk,
        books[5].pk,
        books[4].pk,
        books[2].pk,
    ]
    response = client.get("/catalog/")
    assert response.context["recently_viewed"] == [
        books[3],
        books[6],
        books[5],
        books[4],
        books[2],
    ]
    assert books[3].get_absolute_url() in response.content.decode()


def test_a_deleted_book_is_skipped_in_recently_viewed(client):
    kept, gone = BookFactory.create_batch(2)
    client.get(kept.get_absolute_url())
    client.get(gone.get_absolute_url())
    gone.delete()
    response = client.get("/catalog/")
    assert response.status_code == 200
    assert response.context["recently_viewed"] == [kept]


@pytest.mark.parametrize("bad", ["1,2", [None, "x", -1, 2**70], {"a": 1}, 5])
def test_a_bad_recently_viewed_value_never_breaks_the_home_page(client, bad):
    set_session(client, recently_viewed=bad)
    assert client.get("/catalog/").status_code == 200


def settings_in_a_fresh_process(**env):
    import os
    import subprocess
    import sys

    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SESSION_ENGINE", "REDIS_URL")
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="locallibrary.settings")
    # The engine's name, and whether its store writes through to the cache (cached_db's).
    code = (
        "import django, importlib; django.setup(); from django.conf import settings; "
        "from django.contrib.sessions.backends import cached_db; "
        "store = importlib.import_module(settings.SESSION_ENGINE).SessionStore; "
        "print(settings.SESSION_ENGINE, issubclass(store, cached_db.SessionStore))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_the_session_engine_comes_from_the_environment():
    default = settings_in_a_fresh_process().stdout.split()
    assert default == ["django.contrib.sessions.backends.db", "False"]
    db = settings_in_a_fresh_process(DJANGO_SESSION_ENGINE="db").stdout.split()
    assert db == ["django.contrib.sessions.backends.db", "False"]
    cached = settings_in_a_fresh_process(
        DJANGO_SESSION_ENGINE="cached_db", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert cached.stdout.split()[1] == "True", cached.stderr


def test_cached_db_sessions_without_redis_stop_with_a_clear_error():
    result = settings_in_a_fresh_process(DJANGO_SESSION_ENGINE="cached_db")
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr + result.stdout

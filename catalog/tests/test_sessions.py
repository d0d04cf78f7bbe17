"""The home page's visit counter, kept in the database session (tutorial part 7)."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from catalog.models import BookInstance

from .factories import BookInstanceFactory

pytestmark = pytest.mark.django_db


def visits_shown(client):
    return client.get(reverse("index")).content.decode()


def test_first_visit_is_counted_as_one_time(client):
    response = client.get(reverse("index"))
    assert response.context["num_visits"] == 1
    assert "You have visited this page 1 time." in response.content.decode()


def test_second_visit_says_two_times(client):
    client.get(reverse("index"))
    assert "You have visited this page 2 times." in visits_shown(client)


def test_counter_lives_in_the_database_session_row(client):
    client.get(reverse("index"))
    client.get(reverse("index"))
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    stored = Session.objects.get(session_key=session_key).get_decoded()
    assert stored["num_visits"] == 2


def test_each_browser_has_its_own_count(client):
    client.get(reverse("index"))
    client.get(reverse("index"))
    other_browser = Client()
    assert "You have visited this page 1 time." in visits_shown(other_browser)
    assert "You have visited this page 3 times." in visits_shown(client)


def test_other_pages_do_not_count_as_home_page_visits(client):
    client.get(reverse("index"))
    client.get(reverse("books"))
    client.head(reverse("index"))
    assert "You have visited this page 2 times." in visits_shown(client)


def test_a_garbage_count_in_the_session_starts_again_at_one(client):
    """Every kind of garbage is in test_visitor's count_visit tests; this is the wiring."""
    session = client.session
    session["num_visits"] = "3"
    session.save()
    response = client.get(reverse("index"))
    assert response.status_code == 200
    assert "You have visited this page 1 time." in response.content.decode()


def test_a_tampered_session_cookie_starts_a_fresh_session(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-real-session-key"
    response = client.get(reverse("index"))
    assert response.status_code == 200
    assert "You have visited this page 1 time." in response.content.decode()


def test_session_cookie_is_httponly_lax_and_secure_in_production(client):
    client.get(reverse("index"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"]  # The suite runs with DEBUG off, as production does.


def test_home_page_shows_the_record_counts(client):
    BookInstanceFactory(status=BookInstance.LoanStatus.AVAILABLE)
    BookInstanceFactory(status=BookInstance.LoanStatus.MAINTENANCE)
    response = client.get(reverse("index"))
    context = response.context
    assert (context["num_books"], context["num_instances"]) == (2, 2)
    assert (context["num_instances_available"], context["num_authors"]) == (1, 2)
    assert context["num_genres"] == 0
    assert "index.html" in [t.name for t in response.templates]

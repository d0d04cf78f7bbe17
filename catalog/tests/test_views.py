"""The public catalog pages (test_views.py, as tutorial part 10 names it): lists, details,
pagination and 404s (tutorial part 6). The librarian, edit, desk and holds pages have theirs."""

import datetime
import re
import uuid

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from catalog.models import BookInstance

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LanguageFactory,
    LoanedCopyFactory,
)

pytestmark = pytest.mark.django_db

LISTS = [
    ("books", BookFactory, "catalog/book_list.html", "book_list"),
    ("authors", AuthorFactory, "catalog/author_list.html", "author_list"),
    ("genres", GenreFactory, "catalog/genre_list.html", "genre_list"),
    ("languages", LanguageFactory, "catalog/language_list.html", "language_list"),
    ("bookinstances", BookInstanceFactory, "catalog/bookinstance_list.html", "bookinstance_list"),
]


def test_root_redirects_to_the_catalog(client):
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "/catalog/"


@pytest.mark.parametrize("url_name, factory, template, context_name", LISTS)
def test_visitor_sees_a_list_ten_per_page(client, url_name, factory, template, context_name):
    factory.create_batch(13)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    assert response.context["is_paginated"]
    assert len(response.context[context_name]) == 10
    second = client.get(reverse(url_name), {"page": 2})
    assert len(second.context[context_name]) == 3
    assert "Page 2 of 2." in second.content.decode()


@pytest.mark.parametrize("url_name, factory, template, context_name", LISTS)
def test_pages_of_a_list_never_repeat_or_skip_an_item(
    client, url_name, factory, template, context_name
):
    items = factory.create_batch(25)
    seen = []
    for page in (1, 2, 3):
        seen += list(client.get(reverse(url_name), {"page": page}).context[context_name])
    assert sorted(item.pk for item in seen) == sorted(item.pk for item in items)


@pytest.mark.parametrize("page_number", ["x", "0", "-1", "99", "1.5", "9" * 50])
@pytest.mark.parametrize("url_name", [entry[0] for entry in LISTS])
def test_a_garbage_page_number_is_a_404(client, url_name, page_number):
    BookInstanceFactory()
    assert client.get(reverse(url_name), {"page": page_number}).status_code == 404


def test_pagination_links_keep_the_other_query_parameters(client):
    BookFactory.create_batch(12, title="Dune")
    content = client.get(reverse("search"), {"q": "dune"}).content.decode()
    assert "?q=dune&amp;page=2" in content


def test_empty_lists_say_so(client):
    assert "There are no books in the library." in client.get(reverse("books")).content.decode()


def test_book_page_shows_what_a_patron_wants(client):
    book = BookFactory(
        title="A Wizard of Earthsea",
        author__first_name="Ursula",
        author__last_name="Le Guin",
        summary="A boy becomes a wizard.",
        isbn="9780547773742",
        language__name="English",
        genre=[GenreFactory(name="Fantasy"), GenreFactory(name="Coming of age")],
    )
    due = timezone.localdate() + datetime.timedelta(days=5)
    BookInstanceFactory(book=book, status=BookInstance.LoanStatus.ON_LOAN, due_back=due)
    BookInstanceFactory(book=book, status=BookInstance.LoanStatus.AVAILABLE, imprint="Parnassus")
    response = client.get(book.get_absolute_url())
    assert response.status_code == 200
    assert response.context["book"] == book
    content = response.content.decode()
    for expected in (
        "Title: A Wizard of Earthsea",
        "Le Guin, Ursula",
        "A boy becomes a wizard.",
        "9780547773742",
        "English",
        "Fantasy",
        "Coming of age",
        "On loan",
        "Available",
        "Parnassus",
    ):
        assert expected in content
    assert "catalog/book_detail.html" in [t.name for t in response.templates]


def test_author_page_shows_dates_and_books(client):
    author = AuthorFactory(
        first_name="Chinua",
        last_name="Achebe",
        date_of_birth=datetime.date(1930, 11, 16),
        date_of_death=datetime.date(2013, 3, 21),
    )
    BookFactory(author=author, title="Things Fall Apart")
    BookFactory(author=author, title="Arrow of God")
    response = client.get(author.get_absolute_url())
    content = response.content.decode()
    assert response.context["author"] == author
    assert "Achebe, Chinua" in content
    assert "Things Fall Apart" in content and "Arrow of God" in content
    assert "1930" in content and "2013" in content


@pytest.mark.parametrize(
    "factory, context_name", [(GenreFactory, "genre"), (LanguageFactory, "language")]
)
def test_genre_and_language_pages_list_their_books(client, factory, context_name):
    item = factory(name="Poetry")
    book = BookFactory(title="Leaves of Grass")
    if context_name == "genre":
        book.genre.add(item)
    else:
        book.language = item
        book.save()
    response = client.get(item.get_absolute_url())
    assert response.context[context_name] == item
    assert "Leaves of Grass" in response.content.decode()


def test_copy_page_shows_book_status_and_due_date(client):
    due = timezone.localdate() - datetime.timedelta(days=2)
    copy = BookInstanceFactory(
        book__title="Dune", status=BookInstance.LoanStatus.ON_LOAN, due_back=due
    )
    response = client.get(copy.get_absolute_url())
    content = response.content.decode()
    assert response.context["bookinstance"] == copy
    assert "Dune" in content and "On loan" in content and "overdue" in content


def test_copy_page_hides_the_borrower_from_the_public(client):
    copy = LoanedCopyFactory(borrower__username="private-patron")
    assert "private-patron" not in client.get(copy.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/catalog/book/999999",
        "/catalog/author/999999",
        "/catalog/genre/999999",
        "/catalog/language/999999",
        f"/catalog/bookinstance/{uuid.uuid4()}",
        "/catalog/bookinstance/not-a-uuid",
        "/catalog/book/abc",
    ],
)
def test_unknown_records_are_a_404_with_a_friendly_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_user_content_is_escaped(client):
    book = BookFactory(title="<script>alert(1)</script>")
    content = client.get(book.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_home_page_offers_the_tutorials_uml_diagram(client):
    """Tutorial part 5's static image, folded away under its own heading."""
    content = client.get(reverse("index")).content.decode()
    assert re.search(r'<details class="uml">\s*<summary>', content)
    src = re.search(r'<img src="([^"]*local_library_model_uml[^"]*\.png)"', content)[1]
    assert finders.find(src.removeprefix(settings.STATIC_URL)) is not None


def test_favicon_ico_leads_to_the_sites_icon(client):
    """The admin names no icon, so browsers ask for /favicon.ico: no 404 in their console."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.STATIC_URL + "images/favicon")
    assert client.get(response["Location"]).status_code == 200

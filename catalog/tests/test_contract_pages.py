"""Whole-site promises of the contract ("URLs"): every page its own <title> and one <h1>,
status labels and user names shown, the librarians' forms refusing bad input with messages.
"""

import re

import pytest
from django.urls import reverse
from django.views.defaults import server_error

from catalog.models import Author, Book, Genre
from locallibrary.middleware import unavailable_page

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LibrarianFactory,
    LoanedCopyFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db


def title_and_h1s(response):
    content = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", content, re.S)
    return (title.group(1).strip() if title else None), len(re.findall(r"<h1[\s>]", content))


def test_librarian_pages_have_their_own_title_and_one_h1(client):
    copy = LoanedCopyFactory()
    book = BookFactory()
    client.force_login(LibrarianFactory())
    pages = {
        "reports": reverse("reports"),
        "import": reverse("import-books"),
        "desk unknown": reverse("circulation-desk") + "?copy=nothing",
        "refused delete": None,
        "patron": reverse("patron-detail", args=[copy.borrower.pk]),
        "holds": reverse("all-holds"),
        "borrowed": reverse("all-borrowed"),
    }
    titles = {}
    for name, path in pages.items():
        if path is None:
            response = client.post(reverse("author-delete", args=[book.author.pk]))
        else:
            response = client.get(path)
        assert response.status_code == 200, name
        title, h1s = title_and_h1s(response)
        assert title and h1s == 1, name
        titles[name] = title
    assert len(set(titles.values())) == len(titles), titles


def test_error_pages_have_a_title_and_one_h1(client):
    client.force_login(MemberFactory())
    for path, status in [("/catalog/borrowed/", 403), ("/catalog/book/999999", 404)]:
        response = client.get(path)
        assert response.status_code == status
        title, h1s = title_and_h1s(response)
        assert title and h1s == 1, path


def test_the_server_error_and_unavailable_pages_keep_the_search_box(rf):
    """Rendered without the database or a context: the header's search still works."""
    for response in (server_error(rf.get("/catalog/")), unavailable_page()):
        content = response.content.decode()
        assert '<form class="site-search" role="search" action="/catalog/search/"' in content
        assert 'name="q"' in content


def test_the_copies_list_shows_status_labels(client):
    LoanedCopyFactory()
    BookInstanceFactory(status="m")
    content = client.get("/catalog/bookinstances/").content.decode()
    assert "On loan" in content and "Maintenance" in content


def test_all_borrowed_names_borrowers_by_user_name(client):
    LoanedCopyFactory(borrower=MemberFactory(username="jdoe", first_name="John", last_name="Doe"))
    client.force_login(LibrarianFactory())
    content = client.get("/catalog/borrowed/").content.decode()
    assert "jdoe" in content


def test_a_book_without_a_language_can_be_created_and_goes_to_its_page(client):
    author = AuthorFactory()
    genre = GenreFactory()
    client.force_login(LibrarianFactory())
    response = client.post(
        "/catalog/book/create/",
        {
            "title": "No Language",
            "author": author.pk,
            "summary": "s",
            "isbn": "978-0-261-10221-7",
            "genre": [genre.pk],
            "language": "",
        },
    )
    assert response.status_code == 302
    book = Book.objects.get(title="No Language")
    assert response["Location"] == book.get_absolute_url()
    assert book.isbn == "9780261102217"
    assert book.language is None


def test_the_book_form_checks_the_isbn_check_digit(client):
    author = AuthorFactory()
    client.force_login(LibrarianFactory())
    response = client.post(
        "/catalog/book/create/",
        {"title": "Bad", "author": author.pk, "summary": "s", "isbn": "9780261102218"},
    )
    assert response.status_code == 200
    assert "isbn" in response.context["form"].errors
    assert not Book.objects.exists()


def test_a_book_keeps_a_placeholder_isbn_when_edited(client):
    genre = GenreFactory()
    book = BookFactory(isbn="ABC", genre=[genre])
    client.force_login(LibrarianFactory())
    response = client.post(
        f"/catalog/book/{book.pk}/update/",
        {
            "title": "Renamed",
            "author": book.author.pk,
            "summary": "s",
            "isbn": "ABC",
            "genre": [genre.pk],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == book.get_absolute_url()


def test_the_author_form_refuses_a_death_before_the_birth(client):
    client.force_login(LibrarianFactory())
    response = client.post(
        "/catalog/author/create/",
        {
            "first_name": "A",
            "last_name": "B",
            "date_of_birth": "2000-01-02",
            "date_of_death": "1999-01-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Author.objects.exists()


def test_the_author_create_page_has_no_initial_death_date(client):
    client.force_login(LibrarianFactory())
    response = client.get("/catalog/author/create/")
    assert not response.context["form"].initial.get("date_of_death")
    assert not response.context["form"]["date_of_death"].value()


def test_a_genre_in_another_case_is_a_form_error(client):
    GenreFactory(name="Fantasy")
    client.force_login(LibrarianFactory())
    response = client.post("/catalog/genre/create/", {"name": "FANTASY"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Genre.objects.count() == 1

"""Queries per page stay flat: the same for one row as for a full page (issue 6).

Each page is measured for each kind of visitor, with one row to show and then with a full
page of rows (10, and 100 when the visitor chose 100 per page). The expected counts are
pinned, so a query added to a page (or a query per row) shows up here first.
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Book, Genre

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LanguageFactory,
    LibrarianFactory,
    LoanedCopyFactory,
    MemberFactory,
    SiteNoticeFactory,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
VISITORS = ["anonymous", "anonymous_with_session", "member", "librarian"]


def become(client, visitor, page_size=None):
    """Make `client` this kind of visitor; page_size is stored in the session if given."""
    if visitor == "member":
        client.force_login(MemberFactory())
    elif visitor == "librarian":
        client.force_login(LibrarianFactory())
    if visitor != "anonymous" or page_size:
        session = client.session
        session["num_visits"] = 3
        if page_size:
            session["page_size"] = page_size
        session.save()


# Each page: how to make n rows for it (returning the URL to visit).
def books_page(n):
    BookFactory.create_batch(n)
    return reverse("books")


def authors_page(n):
    AuthorFactory.create_batch(n)
    return reverse("authors")


def genres_page(n):
    GenreFactory.create_batch(n)
    return reverse("genres")


def languages_page(n):
    LanguageFactory.create_batch(n)
    return reverse("languages")


def copies_page(n):
    book = BookFactory()
    BookInstanceFactory.create_batch(n, book=book)
    return reverse("bookinstances")


def book_detail(n):
    """A book with n copies (some on loan) and n genres."""
    book = BookFactory(genre=GenreFactory.create_batch(n))
    BookInstanceFactory.create_batch(n, book=book)
    LoanedCopyFactory(book=book)
    return book.get_absolute_url()


def author_detail(n):
    author = AuthorFactory()
    BookFactory.create_batch(n, author=author)
    return author.get_absolute_url()


def genre_detail(n):
    genre = GenreFactory()
    BookFactory.create_batch(n, genre=[genre])
    return genre.get_absolute_url()


def language_detail(n):
    language = LanguageFactory()
    BookFactory.create_batch(n, language=language)
    return language.get_absolute_url()


def copy_detail(n):
    copy = LoanedCopyFactory(book=BookFactory(genre=GenreFactory.create_batch(n)))
    return copy.get_absolute_url()


def search_page(n):
    author = AuthorFactory(last_name="Pratchett")
    genre, _ = Genre.objects.get_or_create(name="Fantasy")
    BookFactory.create_batch(n, author=author, genre=[genre])
    return reverse("search") + "?q=pratchett+fantasy"


def home_page(n):
    """The home page with n notices shown (and n books to list as recently viewed)."""
    SiteNoticeFactory.create_batch(n)
    BookFactory.create_batch(n)
    return reverse("index")


def page_with_notices(n):
    """Any page (here the genre list) under n notices: one query whatever their number."""
    SiteNoticeFactory.create_batch(n)
    GenreFactory()
    return reverse("genres")


# What each page costs beside the session and user: (make rows, the page's own queries,
# whether the visit writes the session). Every page shows the current notices (1 query).
PAGES = {
    # counts (1), notices (1); the visit counter writes the session
    "index": (home_page, 2, True),
    # count + page (2), notices (1)
    "books": (books_page, 3, False),
    "authors": (authors_page, 3, False),
    "genres": (genres_page, 3, False),
    "languages": (languages_page, 3, False),
    "bookinstances": (copies_page, 3, False),
    # book with author and language, genres, copies (3), its holds (1), notices (1);
    # recently viewed
    "book-detail": (book_detail, 5, True),
    # author, books with their language (2), notices (1)
    "author-detail": (author_detail, 3, False),
    # genre, count, first books (3), notices (1)
    "genre-detail": (genre_detail, 4, False),
    "language-detail": (language_detail, 4, False),
    # copy with book, author and borrower (1), notices (1)
    "bookinstance-detail": (copy_detail, 2, False),
    # count + page (2), notices (1)
    "search": (search_page, 3, False),
    "notices": (page_with_notices, 3, False),
}

# Reading the session row: no query under cached_db sessions, which find it in Redis.
SESSION_READ = 0 if settings.SESSION_ENGINE.endswith(".cached_db") else 1
# For a logged-in visitor also the user and their permissions (2: the sidebar shows the
# staff links to those who may mark copies returned).
VISITOR_QUERIES = {
    "anonymous": 0,
    "anonymous_with_session": SESSION_READ,
    "member": SESSION_READ + 3,
    "librarian": SESSION_READ + 3,
}
# Writing the session is one statement in its own transaction (a savepoint pair under the
# test's transaction); a new session first checks its random key is free.
SESSION_UPDATE = 3
SESSION_CREATE = 4


def expected_queries(page, visitor):
    _, own, writes_session = PAGES[page]
    expected = own + VISITOR_QUERIES[visitor]
    if writes_session:
        expected += SESSION_CREATE if visitor == "anonymous" else SESSION_UPDATE
    if page == "index" and visitor != "anonymous":
        # The recently viewed books, all in one query.
        expected += 1
    if page == "bookinstance-detail" and visitor == "librarian":
        # The copy's loan history, with its borrowers, in one query.
        expected += 1
    return expected


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def view_books(client, n):
    """Fill `recently_viewed` with the n newest books (the home page lists them)."""
    for book in Book.objects.order_by("-pk")[:n]:
        client.get(book.get_absolute_url())


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("page", list(PAGES))
def test_page_costs_the_same_queries_for_one_row_as_for_a_full_page(
    client, page, visitor, django_assert_num_queries
):
    make = PAGES[page][0]
    become(client, visitor)
    for rows in (1, 10):
        url = make(rows)
        if page == "index" and visitor != "anonymous":
            view_books(client, min(rows, 5))
        if visitor == "anonymous":
            # A visit may have given this browser a session: start afresh without one.
            client.cookies.clear()
        with django_assert_num_queries(expected_queries(page, visitor)):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "page", ["books", "authors", "genres", "languages", "bookinstances", "search"]
)
def test_a_page_of_100_costs_the_same_queries_as_a_page_of_one(client, page):
    make = PAGES[page][0]
    become(client, "anonymous_with_session", page_size=100)
    url = make(1)
    one_row = queries_for(client, url)
    make(120)
    response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 100
    assert queries_for(client, url) == one_row


def my_borrowed_page(client, n):
    """n copies on loan to the logged-in visitor (some overdue), and one to someone else."""
    user = client.get(reverse("index")).context["user"]
    today = timezone.localdate()
    for i in range(n):
        LoanedCopyFactory(borrower=user, due_back=today + datetime.timedelta(days=i - n // 2))
    LoanedCopyFactory()
    return reverse("my-borrowed")


def readers():
    """Three patrons to lend copies to (making a user per copy would be slow)."""
    found = list(User.objects.filter(username__startswith="reader"))
    return found or [MemberFactory(username=f"reader{i}") for i in range(3)]


def loaned_copies(n):
    today = timezone.localdate()
    borrowers = readers()
    for i in range(n):
        LoanedCopyFactory(
            borrower=borrowers[i % len(borrowers)],
            due_back=today + datetime.timedelta(days=i - n // 2),
        )


def all_borrowed_page(client, n):
    loaned_copies(n)
    return reverse("all-borrowed")


def renew_page(client, n):
    loaned_copies(n)
    return reverse("renew-book-librarian", args=[LoanedCopyFactory().pk])


# Pages for logged-in visitors: session, user, permissions (4), the page's own queries
# (count + page for lists; for renew the copy with book and borrower, its open loan and
# the holds waiting for its book), notices (1).
LOGGED_IN_PAGES = {
    ("my-borrowed", "member"): (my_borrowed_page, SESSION_READ + 6),
    ("my-borrowed", "librarian"): (my_borrowed_page, SESSION_READ + 6),
    ("all-borrowed", "librarian"): (all_borrowed_page, SESSION_READ + 6),
    ("renew-book-librarian", "librarian"): (renew_page, SESSION_READ + 7),
}


@pytest.mark.parametrize("page, visitor", list(LOGGED_IN_PAGES))
def test_borrowed_and_renew_pages_cost_the_same_queries_for_one_row_as_for_a_full_page(
    client, page, visitor, django_assert_num_queries
):
    make, expected = LOGGED_IN_PAGES[(page, visitor)]
    become(client, visitor)
    for rows in (1, 10):
        url = make(client, rows)
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("page", ["my-borrowed", "all-borrowed"])
def test_a_borrowed_page_of_100_costs_the_same_queries_as_a_page_of_one(client, page):
    make = LOGGED_IN_PAGES[(page, "librarian")][0]
    become(client, "librarian", page_size=100)
    url = make(client, 1)
    one_row = queries_for(client, url)
    make(client, 120)
    response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 100
    assert queries_for(client, url) == one_row


ADMIN_CHANGELISTS = {
    "book": lambda n: [BookFactory(genre=GenreFactory.create_batch(2)) for _ in range(n)],
    "bookinstance": loaned_copies,
    "author": lambda n: AuthorFactory.create_batch(n),
    "genre": lambda n: GenreFactory.create_batch(n),
    "language": lambda n: LanguageFactory.create_batch(n),
    "sitenotice": lambda n: SiteNoticeFactory.create_batch(n),
}

# Session, user, permissions (2), count, total count, rows (+ prefetches), sidebar filters.
ADMIN_QUERIES = {
    "book": SESSION_READ + 9,
    "bookinstance": SESSION_READ + 6,
    "author": SESSION_READ + 6,
    "genre": SESSION_READ + 6,
    "language": SESSION_READ + 6,
    "sitenotice": SESSION_READ + 6,
}


@pytest.mark.parametrize("model", list(ADMIN_CHANGELISTS))
def test_librarian_admin_changelist_costs_the_same_queries_for_one_row_as_for_many(
    client, model, django_assert_num_queries
):
    become(client, "librarian")
    url = reverse(f"admin:catalog_{model}_changelist")
    ADMIN_CHANGELISTS[model](1)
    with django_assert_num_queries(ADMIN_QUERIES[model]):
        assert client.get(url).status_code == 200
    ADMIN_CHANGELISTS[model](30)
    with django_assert_num_queries(ADMIN_QUERIES[model]):
        assert client.get(url).status_code == 200


def test_overdue_copies_cost_no_extra_query_on_the_copy_page(client, django_assert_num_queries):
    overdue = LoanedCopyFactory(due_back=timezone.localdate() - datetime.timedelta(days=3))
    with django_assert_num_queries(expected_queries("bookinstance-detail", "anonymous")):
        response = client.get(overdue.get_absolute_url())
    assert "(overdue)" in response.content.decode()


# The librarian's edit pages: a form whose choices (authors, languages, genres, books,
# borrowers) are each one query, however many there are.
def edit_pages(model, n):
    """The create, update and delete URLs for `model`, with n of each related row."""
    genres = GenreFactory.create_batch(n)
    book = BookFactory(genre=genres)
    BookFactory.create_batch(n - 1, genre=genres)
    copy = LoanedCopyFactory(book=book, borrower=readers()[0])
    obj = {
        "author": book.author,
        "book": book,
        "genre": genres[0],
        "language": book.language,
        "bookinstance": copy,
    }[model]
    return [
        reverse(f"{model}-create"),
        reverse(f"{model}-update", args=[obj.pk]),
        reverse(f"{model}-delete", args=[obj.pk]),
    ]


# (create, update, delete): session, user, permissions (4), notices (1), then the object
# (update, delete), the form's choices, and what a delete would be refused for.
EDIT_QUERIES = {
    "author": [5, 6, 8],
    "book": [8, 10, 8],
    "genre": [5, 6, 6],
    "language": [5, 6, 6],
    "bookinstance": [7, 9, 7],
}


@pytest.mark.parametrize("model", list(EDIT_QUERIES))
def test_edit_pages_cost_the_same_queries_for_one_related_row_as_for_many(client, model):
    become(client, "librarian")
    for rows in (1, 12):
        found = [queries_for(client, url) for url in edit_pages(model, rows)]
        assert found == [count - 1 + SESSION_READ for count in EDIT_QUERIES[model]]

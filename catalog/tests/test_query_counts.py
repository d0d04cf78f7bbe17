"""Queries per page stay flat (issue 6): a page costs the same for one row as for a full
page, and a page of 100 as a page of one, for every kind of visitor. The book list and the
home page also keep within the contract's budgets, whatever the catalog's size.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from .factories import (
    AuthorFactory,
    BookFactory,
    GenreFactory,
    LanguageFactory,
    LoanedCopyFactory,
    SiteNoticeFactory,
)
from .pages import EVERYONE, LISTS, PAGES, become, become_allowed, lend_copies, readers

pytestmark = pytest.mark.django_db

# CONTRACT.md, "URLs": at most this many queries, whatever the catalog's size and whoever
# visits.
BUDGETS = {
    **{("books", visitor): 6 for visitor in EVERYONE},
    **{("index", visitor): 12 for visitor in EVERYONE},
}


def queries_for(client, url, visitor="anonymous_with_session"):
    """How many queries one visit to `url` costs (a first visit for an anonymous visitor)."""
    if visitor == "anonymous":
        # Filling the page may have given this browser a session: visit without one.
        client.cookies.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


VISITS = [(name, visitor) for name, page in PAGES.items() for visitor in page.visitors]


@pytest.mark.parametrize("page_name, visitor", VISITS)
def test_every_page_costs_the_same_queries_for_one_row_as_for_a_full_page(
    client, page_name, visitor
):
    page = PAGES[page_name]
    become(client, visitor)
    one_row = queries_for(client, page.make(client, 1), visitor)
    full_page = queries_for(client, page.make(client, 10), visitor)
    assert full_page == one_row


@pytest.mark.parametrize("page_name", LISTS)
def test_a_page_of_100_costs_the_same_queries_as_a_page_of_one(client, page_name):
    page = PAGES[page_name]
    become_allowed(client, page)
    client.post(reverse("preferences"), {"page_size": "100"})
    url = page.make(client, 1)
    client.get(url)  # fills the catalog's caches, as the visit below finds them
    one_row = queries_for(client, url)
    page.make(client, 120)
    response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 100
    assert queries_for(client, url) == one_row


@pytest.mark.parametrize("page_name, visitor", list(BUDGETS))
def test_the_book_list_and_home_page_keep_within_their_query_budgets(client, page_name, visitor):
    page = PAGES[page_name]
    become(client, visitor)
    for rows in (1, 30):
        found = queries_for(client, page.make(client, rows), visitor)
        assert found <= BUDGETS[page_name, visitor]


def test_an_overdue_copy_costs_no_extra_query_on_the_copy_page(client):
    on_time = LoanedCopyFactory()
    overdue = LoanedCopyFactory(due_back=timezone.localdate() - datetime.timedelta(days=3))
    expected = queries_for(client, on_time.get_absolute_url(), "anonymous")
    assert queries_for(client, overdue.get_absolute_url(), "anonymous") == expected
    assert "(overdue)" in client.get(overdue.get_absolute_url()).content.decode()


ADMIN_CHANGELISTS = {
    "book": lambda n: [BookFactory(genre=GenreFactory.create_batch(2)) for _ in range(n)],
    "bookinstance": lend_copies,
    "author": AuthorFactory.create_batch,
    "genre": GenreFactory.create_batch,
    "language": LanguageFactory.create_batch,
    "sitenotice": SiteNoticeFactory.create_batch,
}


@pytest.mark.parametrize("model", list(ADMIN_CHANGELISTS))
def test_librarian_admin_changelist_costs_the_same_queries_for_one_row_as_for_many(
    librarian_client, model
):
    url = reverse(f"admin:catalog_{model}_changelist")
    ADMIN_CHANGELISTS[model](1)
    one_row = queries_for(librarian_client, url)
    ADMIN_CHANGELISTS[model](30)
    assert queries_for(librarian_client, url) == one_row


def edit_pages(model, n):
    """The create, update and delete URLs for `model`, with n of each related row (the
    form's choices: authors, languages, genres, books, borrowers)."""
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


@pytest.mark.parametrize("model", ["author", "book", "genre", "language", "bookinstance"])
def test_edit_pages_cost_the_same_queries_for_one_related_row_as_for_many(librarian_client, model):
    one_row = [queries_for(librarian_client, url) for url in edit_pages(model, 1)]
    many = [queries_for(librarian_client, url) for url in edit_pages(model, 12)]
    assert many == one_row

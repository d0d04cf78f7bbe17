"""A search's hits are read once per version of the catalog (issue 17), and never stale.

The count and the first ids are cached under the catalog's version: the next visitor, and
the next page, cost a lookup of ten books by id. Any write to the catalog gives the next
search a new key, so the person who made it sees it at once.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import search as search_module
from catalog.models import Book, Genre

from .factories import AuthorFactory, BookFactory, BookInstanceFactory, GenreFactory

pytestmark = pytest.mark.django_db


def search(client, q, **params):
    response = client.get(reverse("search"), {"q": q, **params})
    assert response.status_code == 200
    return response


def titles(client, q, **params):
    return [book.title for book in search(client, q, **params).context["book_list"]]


def index_reads(client, q, **params):
    """How many queries of a search page read the search index."""
    with CaptureQueriesContext(connection) as queries:
        search(client, q, **params)
    return sum("catalog_book_search" in query["sql"] for query in queries.captured_queries)


def test_a_second_visitor_and_the_next_page_do_not_read_the_index_again(client):
    for n in range(15):
        BookFactory(title=f"Lighthouse keeper {n:02d}")
    assert index_reads(client, "lighthouse") == 1
    assert index_reads(client, "lighthouse") == 0
    assert index_reads(client, "lighthouse", page=2) == 0
    second_page = [f"Lighthouse keeper {n:02d}" for n in range(10, 15)]
    assert titles(client, "lighthouse", page=2) == second_page


def test_a_second_visit_to_a_page_of_results_reads_no_book(client):
    """The page's rows are cached with the hits: only the first visitor's page reads them."""
    for n in range(15):
        BookFactory(title=f"Lighthouse keeper {n:02d}")
    first = search(client, "lighthouse", page=2).content
    with CaptureQueriesContext(connection) as queries:
        again = search(client, "lighthouse", page=2).content
    assert not [query for query in queries.captured_queries if '"catalog_book"' in query["sql"]]
    assert again == first
    assert b"Lighthouse keeper 14" in again


def test_a_new_book_is_found_by_the_very_next_search(client):
    assert titles(client, "lighthouse") == []
    BookFactory(title="The Lighthouse")
    assert titles(client, "lighthouse") == ["The Lighthouse"]


def test_a_book_renamed_with_update_leaves_the_old_search_at_once(client):
    BookFactory(title="The Lighthouse")
    assert titles(client, "lighthouse") == ["The Lighthouse"]
    Book.objects.update(title="The Harbour")
    assert titles(client, "lighthouse") == []
    assert titles(client, "harbour") == ["The Harbour"]


def test_a_renamed_genre_changes_the_count_at_once(client):
    BookFactory.create_batch(3, genre=[GenreFactory(name="Seafaring")])
    assert search(client, "seafaring").context["page_obj"].paginator.count == 3
    Genre.objects.filter(name="Seafaring").update(name="Mountains")
    response = search(client, "seafaring")
    assert response.context["page_obj"].paginator.count == 0
    assert "0 books found" in response.content.decode()


def test_a_deleted_book_leaves_the_results_at_once(client):
    BookFactory(title="Lighthouse one")
    gone = BookFactory(title="Lighthouse two")
    assert titles(client, "lighthouse") == ["Lighthouse one", "Lighthouse two"]
    gone.delete()
    assert titles(client, "lighthouse") == ["Lighthouse one"]


def test_lending_a_copy_never_changes_what_a_search_finds(client):
    """Copies bump the catalog's version too: the search is read again, with the same books."""
    book = BookFactory(title="The Lighthouse")
    assert titles(client, "lighthouse") == ["The Lighthouse"]
    BookInstanceFactory(book=book)
    assert titles(client, "lighthouse") == ["The Lighthouse"]


@pytest.fixture
def small_cache(monkeypatch):
    """Only the first 20 hits cached (two pages) and 25 read at once, so a few books reach
    past both."""
    monkeypatch.setattr(search_module, "CACHED_HITS", 20)
    monkeypatch.setattr(search_module, "READ_HITS", 25)


@pytest.mark.parametrize("books", [15, 20, 21, 25, 26, 45])
def test_every_page_lists_the_books_in_order_past_the_cached_hits(client, small_cache, books):
    """Pages within the cached hits and past them give every book once, by title then author."""
    authors = [AuthorFactory(last_name=name) for name in ("Zola", "Austen")]
    for n in range(books):
        # Pairs of equal titles: the author's name orders them.
        BookFactory(title=f"Lighthouse {n // 2:02d}", author=authors[n % 2])
    expected = list(
        Book.objects.filter(title__startswith="Lighthouse")
        .order_by("title", "author", "id")
        .values_list("pk", flat=True)
    )
    client.post(reverse("preferences"), {"page_size": "10"})
    listed = []
    for page in range(1, (books + 9) // 10 + 1):
        response = search(client, "lighthouse", page=page)
        assert response.context["page_obj"].paginator.count == books
        listed += [book.pk for book in response.context["book_list"]]
    assert listed == expected
    assert [Book.objects.get(pk=pk).author.last_name for pk in expected[:2]] == [
        "Austen",
        "Zola",
    ]

"""The catalog's version (issue 17): every write changes it, so nothing cached is ever stale.

The home counts, the lists' counts and rows are cached under the version; these tests
change the catalog in every way it can change (save, `update()`, `bulk_create`, m2m, raw
SQL) and check that the next page shows it.
"""

import datetime
import time

import pytest
from django.contrib.auth.models import Permission
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import catalog_cache
from catalog.models import Author, Book, BookInstance, Genre, Language, SiteNotice

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LanguageFactory,
    SiteNoticeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_up():
    """A Redis outage in an earlier test leaves the cache skipped for a few seconds."""
    catalog_cache._cache_down_until = 0.0
    yield
    catalog_cache._cache_down_until = 0.0


def version():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM catalog_version WHERE name = 'catalog'")
        return cursor.fetchone()[0]


def page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def count_shown(client, label):
    """The home page's count for `label` ("Books", "Copies available", ...)."""
    content = page(client, "index")
    marker = f"<strong>{label}:</strong> "
    start = content.index(marker) + len(marker)
    return int(content[start : content.index("<", start)])


# Every write to the catalog, however made, changes the version.


def rename_a_language(name):
    """With update() (language names are unique: one of them)."""
    Language.objects.filter(pk=Language.objects.earliest("pk").pk).update(name=name)


WRITES = {
    "book saved": lambda: BookFactory(),
    "book update()": lambda: Book.objects.update(title="Changed"),
    "book bulk_create": lambda: Book.objects.bulk_create(
        [Book(title="Bulk", isbn="9780000000777", author=Author.objects.first())]
    ),
    "book deleted": lambda: Book.objects.filter(isbn="9790000000998").delete(),
    "author update()": lambda: Author.objects.update(last_name="Changed"),
    "author deleted": lambda: Author.objects.filter(last_name="Nobody").delete(),
    "genre saved": lambda: GenreFactory(),
    "genre update()": lambda: Genre.objects.update(name="Changed"),
    "language saved": lambda: LanguageFactory(),
    "language update()": lambda: rename_a_language("Changed"),
    "copy saved": lambda: BookInstanceFactory(book=Book.objects.first()),
    "copy update()": lambda: BookInstance.objects.update(status="o"),
    "copy deleted": lambda: BookInstance.objects.all().delete(),
    "genre added to a book": lambda: Book.objects.first().genre.add(GenreFactory()),
    "genres of a book cleared": lambda: Book.objects.first().genre.clear(),
    "raw SQL": lambda: connection.cursor().execute(
        "UPDATE catalog_book SET summary = 'raw' WHERE isbn = '9790000000999'"
    ),
}


@pytest.fixture
def catalog():
    # ISBNs outside BookFactory's sequence (978...), which would reach them in a long run.
    book = BookFactory(isbn="9790000000999", genre=[GenreFactory()])
    BookInstanceFactory(book=book)
    AuthorFactory(last_name="Nobody")
    BookFactory(isbn="9790000000998")  # no copies: may be deleted
    return book


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_kind_of_catalog_write_gives_a_new_version(catalog, write):
    before = version()
    write()
    assert version() != before


def test_a_notice_or_a_login_leaves_the_catalog_version_alone(catalog, member_client):
    before = version()
    SiteNoticeFactory()
    page(member_client, "index")
    assert version() == before


def test_a_rolled_back_write_never_brings_back_a_version_seen_during_it(catalog):
    before = version()
    seen = []
    with pytest.raises(RuntimeError), transaction.atomic():
        BookFactory()
        seen.append(version())
        raise RuntimeError("roll back")
    assert version() == before  # the rollback restores the value from before the write
    BookFactory()
    assert version() not in {before, *seen}


# Nothing stale: each page shows a change at once, however it was made.


def test_the_home_counts_follow_bulk_create_and_update_at_once(client, catalog):
    assert count_shown(client, "Books") == 2
    assert count_shown(client, "Copies available") == 1
    Book.objects.bulk_create(
        [Book(title=f"Bulk {i}", isbn=f"97800000010{i:02d}") for i in range(3)]
    )
    assert count_shown(client, "Books") == 5
    BookInstance.objects.update(status=BookInstance.LoanStatus.MAINTENANCE)
    assert count_shown(client, "Copies available") == 0


@pytest.mark.parametrize(
    "name, change, shown",
    [
        ("books", lambda: Book.objects.update(title="Renamed by update"), "Renamed by update"),
        ("authors", lambda: Author.objects.update(first_name="Octavia"), "Octavia"),
        ("genres", lambda: Genre.objects.update(name="Solarpunk"), "Solarpunk"),
        ("languages", lambda: rename_a_language("Esperanto"), "Esperanto"),
        ("bookinstances", lambda: BookInstance.objects.update(imprint="Tor, 1999"), "Tor, 1999"),
    ],
)
def test_each_list_shows_a_change_made_with_update_at_once(client, catalog, name, change, shown):
    assert shown not in page(client, name)
    change()
    assert shown in page(client, name)


def test_a_list_page_counts_a_book_added_with_bulk_create(client):
    client.post(reverse("preferences"), {"page_size": "10"})
    BookFactory.create_batch(10)
    assert "Page 1 of 2." not in page(client, "books")
    Book.objects.bulk_create([Book(title="Zzz the last", isbn="9780000002000")])
    assert "Page 1 of 2." in page(client, "books")
    assert "Zzz the last" in client.get(reverse("books"), {"page": 2}).content.decode()


def test_a_librarian_who_renames_a_book_sees_the_new_title_on_the_list(librarian_client, catalog):
    assert catalog.title in page(librarian_client, "books")
    response = librarian_client.post(
        reverse("book-update", args=[catalog.pk]),
        {
            "title": "Renamed by the librarian",
            "author": catalog.author_id,
            "summary": catalog.summary,
            "isbn": catalog.isbn,
            "genre": [genre.pk for genre in catalog.genre.all()],
            "language": catalog.language_id or "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    content = page(librarian_client, "books")
    assert "Renamed by the librarian" in content
    assert catalog.title not in content


def test_a_page_size_chosen_by_one_visitor_is_not_served_to_another(client, catalog):
    BookFactory.create_batch(30)
    other = type(client)()
    client.post(reverse("preferences"), {"page_size": "25"})
    assert "Page 1 of 2." in page(client, "books")
    assert "Page 1 of 4." in page(other, "books")
    assert page(other, "books").count('class="by"') == 10


def test_a_book_added_with_bulk_create_shows_on_its_author_genre_and_language_pages(
    client, catalog
):
    author, language = catalog.author, catalog.language
    genre = catalog.genre.get()
    pages = [author.get_absolute_url(), genre.get_absolute_url(), language.get_absolute_url()]
    for url in pages:
        assert "Bulk title" not in client.get(url).content.decode()
    [added] = Book.objects.bulk_create(
        [Book(title="Bulk title", isbn="9780000004000", author=author, language=language)]
    )
    added.genre.add(genre)
    for url in pages:
        content = client.get(url).content.decode()
        assert "Bulk title" in content, url
    assert "The library has 2 books here." in client.get(genre.get_absolute_url()).content.decode()


def test_a_renamed_book_shows_its_new_title_on_its_authors_page(client, catalog):
    url = catalog.author.get_absolute_url()
    assert catalog.title in client.get(url).content.decode()
    Book.objects.filter(pk=catalog.pk).update(title="Renamed in bulk")
    assert "Renamed in bulk" in client.get(url).content.decode()


def test_a_books_page_shows_a_copy_returned_or_a_genre_added_at_once(client, catalog):
    url = catalog.get_absolute_url()
    assert "Solarpunk" not in client.get(url).content.decode()
    catalog.genre.add(GenreFactory(name="Solarpunk"))
    BookInstance.objects.filter(book=catalog).update(
        status=BookInstance.LoanStatus.ON_LOAN, due_back=datetime.date(2031, 1, 2)
    )
    content = client.get(url).content.decode()
    assert "Solarpunk" in content
    assert "Due to be returned:</strong> Jan. 2, 2031" in content
    assert "0 of 1 copy available" in content


def test_the_hold_form_and_its_csrf_token_are_each_visitors_own(client, member_client, catalog):
    url = catalog.get_absolute_url()
    member_content = member_client.get(url).content.decode()
    assert "Place a hold" in member_content
    visitor_content = type(client)().get(url).content.decode()
    assert "Place a hold" not in visitor_content
    assert "csrfmiddlewaretoken" not in visitor_content.split('class="availability"')[1]
    assert "to place a hold." in visitor_content


def test_edit_links_cached_for_a_librarian_are_never_shown_to_a_visitor(librarian_client, catalog):
    visitor = type(librarian_client)()
    for url in [
        catalog.get_absolute_url(),
        catalog.author.get_absolute_url(),
        catalog.genre.get().get_absolute_url(),
    ]:
        assert 'class="edit-links"' in librarian_client.get(url).content.decode()
        assert 'class="edit-links"' not in visitor.get(url).content.decode()


def test_a_staff_sidebar_drawn_for_a_librarian_is_never_shown_to_a_narrower_account(
    librarian_client, member
):
    member.user_permissions.add(Permission.objects.get(codename="add_author"))
    assert reverse("circulation-desk") in librarian_client.get(reverse("books")).content.decode()
    narrower = type(librarian_client)()
    narrower.force_login(member)
    content = narrower.get(reverse("books")).content.decode()
    assert reverse("author-create") in content
    assert reverse("circulation-desk") not in content


# What a cached page costs.


def catalog_queries(client, url):
    """The page's queries but cached_db's read of its own row of catalog_version (the
    session cache's generation, migration 0011), which is about sessions, not the catalog."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries if "'sessions'" not in query["sql"]]


@pytest.mark.parametrize("name", ["index", "books", "authors", "genres", "languages"])
def test_a_page_read_again_reads_the_catalog_version_once_and_no_catalog_rows(client, name):
    BookFactory.create_batch(3)
    url = reverse(name)
    client.get(url)
    queries = catalog_queries(client, url)
    assert sum("catalog_version" in sql for sql in queries) == 1
    assert not [sql for sql in queries if "catalog_version" not in sql and "catalog_" in sql]


@pytest.mark.parametrize("model", ["author", "genre", "language"])
def test_a_record_page_read_again_reads_only_the_record(client, catalog, model):
    """Its books (and their count) come from the cache."""
    BookFactory.create_batch(3, author=catalog.author, language=catalog.language)
    record = getattr(catalog, model) if model != "genre" else catalog.genre.get()
    client.get(record.get_absolute_url())
    queries = catalog_queries(client, record.get_absolute_url())
    catalog_reads = [sql for sql in queries if "catalog_" in sql]
    assert len(catalog_reads) == 2, catalog_reads  # the version (with notices), the record
    assert "catalog_book" not in catalog_reads[1].split("FROM", 1)[1]


def test_a_books_page_read_again_reads_the_book_and_its_holds_but_not_its_copies(client, catalog):
    """Its genres, copies and the copies' figures come from the cache; holds never do."""
    BookInstanceFactory.create_batch(3, book=catalog)
    client.get(catalog.get_absolute_url())
    queries = catalog_queries(client, catalog.get_absolute_url())
    catalog_reads = [sql for sql in queries if "catalog_" in sql]
    assert len(catalog_reads) == 3, catalog_reads  # the version, the book, its holds
    assert not [sql for sql in catalog_reads if "catalog_bookinstance" in sql]
    assert not [sql for sql in catalog_reads if "catalog_genre" in sql]


def test_a_page_read_again_costs_the_same_queries_however_large_the_catalog(client):
    BookFactory.create_batch(2)
    client.get(reverse("books"))
    few = len(catalog_queries(client, reverse("books")))
    BookFactory.create_batch(40)
    client.get(reverse("books"))
    assert len(catalog_queries(client, reverse("books"))) == few


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_pages_are_right_when_the_cache_keeps_nothing(client, catalog):
    """A cache that never answers (as Redis down with IGNORE_EXCEPTIONS) is only slower."""
    assert count_shown(client, "Books") == 2
    assert catalog.title in page(client, "books")
    Book.objects.update(title="Without a cache")
    assert "Without a cache" in page(client, "books")
    assert count_shown(client, "Books") == 2


class DownCache(LocMemCache):
    """A cache whose server is gone: django-redis answers a miss after its socket timeout."""

    catalog_calls = 0

    def get(self, key, default=None, version=None):
        if key.startswith("catalog:"):
            DownCache.catalog_calls += 1
            time.sleep(catalog_cache.SLOW_CACHE_SECONDS + 0.05)
        return default

    def set(self, key, *args, **kwargs):
        DownCache.catalog_calls += key.startswith("catalog:")
        return False


@override_settings(CACHES={"default": {"BACKEND": "catalog.tests.test_catalog_version.DownCache"}})
def test_while_the_cache_is_down_pages_stop_asking_it(client, catalog):
    """Each call to a dead Redis waits for a socket timeout: the counts stop asking."""
    DownCache.catalog_calls = 0
    assert count_shown(client, "Books") == 2
    assert DownCache.catalog_calls == 1  # one get, no set
    Book.objects.bulk_create([Book(title="Added", isbn="9780000003000")])
    assert count_shown(client, "Books") == 3
    assert DownCache.catalog_calls == 1


class SlowCache(LocMemCache):
    """A cache that answers, but slowly (a busy server, a thread waiting for its turn)."""

    def get(self, key, default=None, version=None):
        value = super().get(key, default, version)
        if key.startswith("catalog:") and value is not default:
            time.sleep(catalog_cache.SLOW_CACHE_SECONDS + 0.05)
        return value


@override_settings(CACHES={"default": {"BACKEND": "catalog.tests.test_catalog_version.SlowCache"}})
def test_a_cache_slow_to_answer_is_still_used(client, catalog):
    """Only a miss that took a timeout's time means the cache is down."""
    count_shown(client, "Books")  # a miss: counted and stored
    count_shown(client, "Books")  # a hit, slowly
    with CaptureQueriesContext(connection) as captured:
        assert count_shown(client, "Books") == 2
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]


# Notices: read with the version, in the same query; the visitor's dismissals applied after.


def test_a_new_or_changed_notice_shows_at_once(client):
    page(client, "index")
    notice = SiteNoticeFactory(text="Closed on Monday")
    assert "Closed on Monday" in page(client, "books")
    SiteNotice.objects.filter(pk=notice.pk).update(text="Closed on Tuesday")
    assert "Closed on Tuesday" in page(client, "books")
    SiteNotice.objects.filter(pk=notice.pk).update(active=False)
    assert "Closed on Tuesday" not in page(client, "books")


def test_notices_show_only_on_their_dates_newest_first(client):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    SiteNoticeFactory(text="Old news", ends_on=today - day)
    SiteNoticeFactory(text="Coming soon", starts_on=today + day)
    SiteNoticeFactory(text="First notice", starts_on=today, ends_on=today)
    SiteNoticeFactory(text="Second notice", starts_on=today - day, ends_on=today + day)
    content = page(client, "index")
    assert "Old news" not in content
    assert "Coming soon" not in content
    assert content.index("Second notice") < content.index("First notice")


def test_a_dismissed_notice_is_hidden_from_that_visitor_only(client):
    notice = SiteNoticeFactory(text="Closed on Monday")
    other = type(client)()
    assert "Closed on Monday" in page(other, "index")
    client.post(reverse("dismiss-notice", args=[notice.pk]), {"next": reverse("index")})
    assert "Closed on Monday" not in page(client, "index")
    assert "Closed on Monday" in page(other, "index")

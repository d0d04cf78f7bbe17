"""Exporting the whole catalog as CSV, streamed, in the import's columns (issue 16)."""

import csv
import io
import tracemalloc

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import catalog_io
from catalog.models import Author, Book, BookInstance, Genre, Language

from . import factories

pytestmark = pytest.mark.django_db


def export(client):
    response = client.get(reverse("export-books"))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def rows_of(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def catalog_as_data():
    """Every book as the plain values the export and the import carry."""
    return sorted(
        (
            book.title,
            book.author.last_name,
            book.author.first_name,
            book.isbn,
            tuple(sorted(genre.name for genre in book.genre.all())),
            book.language.name if book.language else "",
            book.summary,
            book.bookinstance_set.count(),
        )
        for book in Book.objects.select_related("author", "language")
    )


def test_librarian_downloads_the_catalog_as_a_streamed_csv_file(librarian_client):
    copy = factories.BookInstanceFactory(
        book__genre=[factories.GenreFactory(name="Poetry"), factories.GenreFactory(name="Art")]
    )
    factories.BookInstanceFactory(book=copy.book)
    response = librarian_client.get(reverse("export-books"))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="books.csv"'
    text = b"".join(response.streaming_content).decode()
    assert text.startswith(",".join(catalog_io.COLUMNS) + "\r\n")
    header, row = rows_of(text)
    assert header == catalog_io.COLUMNS
    book = copy.book
    assert row == [
        book.title,
        book.author.last_name,
        book.author.first_name,
        book.isbn,
        "Art;Poetry",
        book.language.name,
        book.summary,
        "2",
    ]


def test_formula_cells_are_escaped_so_spreadsheets_do_not_run_them(librarian_client):
    factories.BookFactory(
        title='=HYPERLINK("http://evil.example","click")',
        author__last_name="+Plus",
        author__first_name="@at",
        summary="-1 degrees",
    )
    row = rows_of(export(librarian_client))[1]
    assert row[0] == '\'=HYPERLINK("http://evil.example","click")'
    assert row[1:3] == ["'+Plus", "'@at"]
    assert row[6] == "'-1 degrees"


def test_a_cell_starting_with_a_tab_is_escaped_too(librarian_client):
    """OWASP's list: a spreadsheet skips the tab and runs the formula after it."""
    factories.BookFactory(title="\t=1+1", language=factories.LanguageFactory(name="Tab"))
    assert rows_of(export(librarian_client))[1][0] == "'\t=1+1"


def test_an_export_imports_unchanged_into_an_empty_catalog(librarian_client):
    fiction, poetry = factories.GenreFactory(name="Fiction"), factories.GenreFactory(name="Poetry")
    french = factories.LanguageFactory(name="Français")
    isbns = iter(["9780306406157", "9780547928227", "9780452284234", "9780141439518"])
    factories.BookFactory(
        isbn=next(isbns), genre=[fiction], title="=1+1", summary='One\n"two", three'
    )
    factories.BookFactory(
        isbn=next(isbns), genre=[fiction, factories.GenreFactory(name="@Home")], language=french
    )
    factories.BookFactory(
        isbn=next(isbns), author__last_name="'-Quoted", author__first_name="", summary=""
    )
    book = factories.BookFactory(isbn=next(isbns), genre=[poetry], language=None)
    factories.BookInstanceFactory.create_batch(2, book=book)
    before, exported = catalog_as_data(), export(librarian_client)

    BookInstance.objects.all().delete()
    Book.objects.all().delete()
    for model in (Author, Genre, Language):
        model.objects.all().delete()
    result = catalog_io.import_file(exported.encode())

    assert (result.books, result.copies) == (4, 2)
    assert catalog_as_data() == before
    assert export(librarian_client) == exported


def test_export_reads_every_book_once_a_chunk_at_a_time():
    books = factories.BookFactory.create_batch(7)
    rows = list(catalog_io.export_rows(chunk_size=3))
    assert [row[3] for row in rows[1:]] == [book.isbn for book in books]


def test_export_costs_two_queries_per_chunk_of_books(librarian_client, monkeypatch):
    monkeypatch.setattr(catalog_io, "EXPORT_CHUNK", 10)

    def queries_for(count):
        factories.BookFactory.create_batch(count, genre=[factories.GenreFactory()])
        with CaptureQueriesContext(connection) as queries:
            export(librarian_client)
        return len(queries)

    small = queries_for(3)
    large = queries_for(20)  # now 23 books: three chunks of 10
    assert large - small == 4


def test_only_librarians_download_the_catalog(librarians_only):
    librarians_only(reverse("export-books"))


def test_export_answers_post_with_405(librarian_client):
    assert librarian_client.post(reverse("export-books")).status_code == 405


def test_export_memory_stays_flat_as_the_catalog_grows(librarian_client, monkeypatch):
    monkeypatch.setattr(catalog_io, "EXPORT_CHUNK", 50)
    author, genre = factories.AuthorFactory(), factories.GenreFactory()

    def peak_memory_for(count):
        start = Book.objects.count()
        books = Book.objects.bulk_create(
            Book(title=f"Book {n}", author=author, summary="s" * 500, isbn=f"{n:013d}")
            for n in range(start, count)
        )
        Book.genre.through.objects.bulk_create(
            Book.genre.through(book_id=book.pk, genre_id=genre.pk) for book in books
        )
        response = librarian_client.get(reverse("export-books"))
        tracemalloc.start()
        size = sum(len(piece) for piece in response.streaming_content)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert size > count * 500
        return peak

    small, large = peak_memory_for(100), peak_memory_for(1000)
    # Ten times the books, about the same memory: a chunk at a time, never the whole file.
    assert large < small * 1.5

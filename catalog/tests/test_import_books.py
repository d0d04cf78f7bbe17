"""Importing a catalog from CSV: the command and the page, all or nothing (issue 16)."""

import csv
import io
import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum import ean

from catalog import catalog_io
from catalog.models import Author, Book, BookInstance, Genre, Language

from .factories import AuthorFactory, BookFactory, GenreFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-import.csv"
HEADER = ",".join(catalog_io.COLUMNS)
NOT_UTF8 = catalog_io.NOT_UTF8


def isbn13(number):
    """A valid ISBN-13 made from a number (978 + nine digits + the check digit)."""
    body = f"978{number:09d}"
    return body + ean.calc_check_digit(body)


def csv_file(rows, header=catalog_io.COLUMNS):
    """CSV bytes: the header, then rows given as dicts of the columns (missing ones empty)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode()


def book_row(n, **values):
    row = {"title": f"Book {n}", "author_last_name": f"Writer{n}", "isbn": isbn13(n)}
    row.update(values)
    return row


def many_rows(count):
    return csv_file(
        book_row(n, genres="Fiction;Poetry", language="English", copies="1") for n in range(count)
    )


def import_command(path):
    out = StringIO()
    call_command("import_books", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def upload(client, data, name="books.csv"):
    return client.post(reverse("import-books"), {"file": SimpleUploadedFile(name, data)})


def nothing_imported():
    return not (
        Book.objects.exists()
        or BookInstance.objects.exists()
        or Author.objects.exists()
        or Genre.objects.exists()
        or Language.objects.exists()
    )


# The command


def test_librarian_imports_the_sample_file_from_the_command_line():
    out = import_command(SAMPLE)
    assert Book.objects.count() == 20
    assert "Imported 20 books with 31 copies" in out
    hobbit = Book.objects.get(title="The Hobbit")
    assert hobbit.isbn == "9780547928227"
    assert str(hobbit.author) == "Tolkien, J. R. R."
    assert sorted(g.name for g in hobbit.genre.all()) == ["Children's", "Fantasy"]
    assert hobbit.language.name == "English"
    assert hobbit.bookinstance_set.filter(status=BookInstance.LoanStatus.AVAILABLE).count() == 3
    # One author for the English and the Spanish edition of the same novel.
    assert Author.objects.filter(last_name="García Márquez").count() == 1


def test_command_refuses_a_bad_file_and_lists_every_bad_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file([book_row(1), book_row(2, isbn="978-0-306-40615-8"), book_row(3)]))
    with pytest.raises(CommandError) as refused:
        import_command(path)
    assert "line 3: Enter a valid ISBN-10 or ISBN-13: the check digit" in str(refused.value)
    assert nothing_imported()


def test_command_names_a_file_it_cannot_open(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        import_command(tmp_path / "missing.csv")


def test_command_shows_no_progress_bar_when_not_on_a_terminal(tmp_path):
    path = tmp_path / "books.csv"
    path.write_bytes(many_rows(3))
    err = StringIO()
    call_command("import_books", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""


def test_command_shows_a_progress_bar_on_a_terminal(tmp_path):
    path = tmp_path / "books.csv"
    path.write_bytes(many_rows(3))
    controller, terminal = os.openpty()
    with os.fdopen(terminal, "w") as stderr:
        call_command("import_books", str(path), stdout=StringIO(), stderr=stderr)
    shown = b""
    while chunk := read_or_nothing(controller):
        shown += chunk
    os.close(controller)
    assert "Checking rows" in shown.decode() and "3/3" in shown.decode(), shown


def read_or_nothing(fd):
    """What a terminal's other end has to read; nothing once it is closed (EIO on Linux)."""
    try:
        return os.read(fd, 65536)
    except OSError:
        return b""


def test_ten_thousand_rows_import_in_one_go_with_their_copies(tmp_path):
    path = tmp_path / "books.csv"
    path.write_bytes(many_rows(catalog_io.MAX_ROWS))
    out = import_command(path)
    assert f"Imported {catalog_io.MAX_ROWS} books with {catalog_io.MAX_ROWS} copies" in out
    assert Book.genre.through.objects.count() == 2 * catalog_io.MAX_ROWS


# What a good file does


def test_authors_genres_and_languages_are_found_by_name_ignoring_case():
    author = AuthorFactory(last_name="Le Guin", first_name="Ursula")
    genre = GenreFactory(name="Science Fic")
    rows = [
        book_row(1, author_last_name="le guin", author_first_name="URSULA", genres="sCIENCE fIC"),
        book_row(2, author_last_name="Le Guin", author_first_name="Ursula", genres="SF;sf"),
        book_row(3, language="english"),
        book_row(4, language="English"),
    ]
    result = catalog_io.import_file(csv_file(rows))
    assert Book.objects.filter(author=author).count() == 2
    assert Book.objects.get(isbn=isbn13(1)).genre.get() == genre
    assert Book.objects.get(isbn=isbn13(2)).genre.get().name == "SF"
    assert Language.objects.get().name == "english"
    assert (result.authors, result.genres, result.languages) == (2, 1, 1)


@pytest.mark.parametrize(
    "typed", ["0-306-40615-2", "0306406152", "978-0-306-40615-7", "978 0 306 40615 7"]
)
def test_isbn_10_and_13_with_hyphens_or_spaces_are_stored_as_isbn_13(typed):
    catalog_io.import_file(csv_file([book_row(1, isbn=typed)]))
    assert Book.objects.get().isbn == "9780306406157"


def test_isbn_10_ending_in_x_is_accepted():
    catalog_io.import_file(csv_file([book_row(1, isbn="0-8044-2957-X")]))
    assert Book.objects.get().isbn == "9780804429573"


def test_books_whose_isbn_exists_are_skipped_and_reported(librarian_client):
    BookFactory(isbn=isbn13(1), title="Already here")
    BookFactory(isbn="0306406152")  # stored as ISBN-10 before the check existed
    data = csv_file([book_row(1), book_row(2), book_row(3, isbn="978-0-306-40615-7")])
    response = upload(librarian_client, data)
    assert response.status_code == 200
    assert Book.objects.count() == 3
    assert Book.objects.get(isbn=isbn13(1)).title == "Already here"
    skipped = response.context["result"].skipped
    assert [(row.line, row.isbn) for row in skipped] == [(2, isbn13(1)), (4, "9780306406157")]
    assert "Skipped 2 books whose ISBN is already in the catalog" in response.content.decode()


def test_copies_column_creates_that_many_available_copies():
    catalog_io.import_file(csv_file([book_row(1, copies="4"), book_row(2, copies="")]))
    assert Book.objects.get(isbn=isbn13(1)).bookinstance_set.count() == 4
    assert not Book.objects.get(isbn=isbn13(2)).bookinstance_set.exists()
    assert set(BookInstance.objects.values_list("status", flat=True)) == {"a"}


def test_optional_columns_may_be_left_out_and_the_order_is_free():
    data = b"ISBN,Title,Author_Last_Name\n978-0-306-40615-7,Optics,Hecht\n"
    catalog_io.import_file(data)
    book = Book.objects.get()
    assert (book.title, book.author.last_name, book.isbn) == ("Optics", "Hecht", "9780306406157")
    assert book.language is None


def test_byte_order_mark_semicolons_and_blank_lines_are_fine():
    data = "\ufeff\r\ntitle;author_last_name;isbn;genres\r\n\r\nOptics;Hecht;0306406152;Physics\r\n"
    catalog_io.import_file(data.encode())
    assert Book.objects.get().genre.get().name == "Physics"


def test_escaped_formula_cells_are_read_back_as_they_were():
    rows = [book_row(1, title='\'=HYPERLINK("http://x")', summary="'-5 degrees", genres="'@home")]
    catalog_io.import_file(csv_file(rows))
    book = Book.objects.get()
    assert book.title == '=HYPERLINK("http://x")'
    assert book.summary == "-5 degrees"
    assert book.genre.get().name == "@home"


def test_imported_books_are_found_by_the_search_box(client):
    catalog_io.import_file(SAMPLE.read_bytes())
    response = client.get(reverse("search"), {"q": "tolkien fantasy"})
    assert [book.title for book in response.context["book_list"]] == ["The Hobbit"]


# All or nothing


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(librarian_client):
    rows = [
        book_row(1),
        book_row(2, title=""),
        book_row(3, isbn="12345"),
        book_row(4, summary="first line\nsecond line"),  # one spreadsheet row, two text lines
        book_row(5, copies="two", isbn="978-0-306-40615-8"),
        book_row(6, isbn=isbn13(1)),
        book_row(7, title="x" * 201),
    ]
    response = upload(librarian_client, csv_file(rows))
    assert response.status_code == 200
    assert nothing_imported()
    refusal = response.context["refusal"]
    assert refusal.message == catalog_io.BAD_ROWS.format(count=5)
    errors = dict(refusal.row_errors)
    assert sorted(errors) == [3, 4, 6, 7, 8]  # the header is line 1
    assert "Title is empty." in errors[3]
    assert "has 5 characters, not 10 or 13" in errors[4]
    assert "check digit" in errors[6]
    assert "Copies “two” is not a whole number from 0 to 100." in errors[6]
    assert "also on line 2" in errors[7]
    assert "Title is longer than 200 characters." in errors[8]
    content = response.content.decode()
    assert "Nothing was imported" in content and "Title is empty." in content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (os.urandom(4000).replace(b"\x00", b"") + b"\xff", catalog_io.NOT_UTF8),
        (HEADER.encode() + b"\nBook,Writer,,97803064\x0006157,,,,\n", catalog_io.NOT_TEXT),
        ("title,author_last_name,isbn\nÉté,Müller,0306406152\n".encode("cp1252"), NOT_UTF8),
        (f"{HEADER}\nx,y,,0306406152,,,,\n".encode("utf-16"), catalog_io.NOT_UTF8),
        (b"\n\n  \n", catalog_io.EMPTY_FILE),
    ],
    ids=["random bytes", "NUL byte", "windows-1252", "utf-16", "blank lines"],
)
def test_a_file_that_is_not_utf8_csv_is_refused_with_a_message(librarian_client, data, message):
    response = upload(librarian_client, data)
    assert response.status_code == 200
    assert response.context["refusal"].message == message
    assert nothing_imported()


def test_an_empty_upload_is_a_form_error(librarian_client):
    response = upload(librarian_client, b"")
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The submitted file is empty."]


def test_a_missing_column_is_named(librarian_client):
    response = upload(librarian_client, b"title,author_first_name,isbn\nOptics,Eugene,0306406152\n")
    assert response.context["refusal"].message.startswith(
        "The header line lacks the column(s) author_last_name."
    )
    assert nothing_imported()


def test_a_file_with_100000_columns_is_refused_with_a_message(librarian_client):
    header = HEADER + "".join(f",extra{n}" for n in range(100_000 - len(catalog_io.COLUMNS)))
    response = upload(librarian_client, (header + "\n" + "x," * 99_999 + "x\n").encode())
    message = response.context["refusal"].message
    assert message.startswith("The header line has 99,992 column(s) the import does not know")
    assert "and 99,987 more" in message
    assert nothing_imported()


def test_a_row_with_more_cells_than_the_header_is_a_bad_row():
    with pytest.raises(catalog_io.ImportRefused) as refused:
        catalog_io.import_file(b"title,author_last_name,isbn\nOptics,Hecht,0306406152,oops\n")
    assert refused.value.row_errors == [(2, "The row has 4 cells; the header names 3 columns.")]


def test_a_cell_too_long_for_any_csv_reader_is_refused_as_not_csv():
    data = HEADER.encode() + b"\n" + b"x" * 200_000 + b",Writer,,0306406152,,,,\n"
    with pytest.raises(catalog_io.ImportRefused) as refused:
        catalog_io.import_file(data)
    assert refused.value.message.startswith("The file could not be read as CSV (row 2:")


def test_a_file_of_html_is_refused_as_not_our_columns():
    with pytest.raises(catalog_io.ImportRefused, match="does not know"):
        catalog_io.import_file(b"<!DOCTYPE html><html><body>Hello</body></html>\n")


def test_a_file_over_5_mib_is_refused(librarian_client):
    data = HEADER.encode() + b"\n" + b"x" * catalog_io.MAX_FILE_BYTES
    response = upload(librarian_client, data)
    assert response.context["refusal"].message == catalog_io.FILE_TOO_LARGE
    assert nothing_imported()


def test_more_than_10000_rows_are_refused(tmp_path):
    path = tmp_path / "books.csv"
    path.write_bytes(many_rows(catalog_io.MAX_ROWS + 1))
    with pytest.raises(CommandError, match="more than 10,000 books"):
        import_command(path)
    assert nothing_imported()


def test_an_isbn_another_librarian_saved_meanwhile_undoes_the_whole_import():
    def progress(items, description):
        if description == "Writing books":  # after the lookup of existing ISBNs
            Book.objects.create(title="Saved meanwhile", isbn=isbn13(2))
        return items

    with pytest.raises(catalog_io.ImportRefused) as refused:
        catalog_io.import_file(csv_file([book_row(1), book_row(2)]), progress)
    assert refused.value.message == catalog_io.CATALOG_CHANGED
    assert not Book.objects.filter(isbn=isbn13(1)).exists()


def test_the_import_costs_far_fewer_queries_than_one_per_row():
    def queries_for(count, offset):
        rows = [
            book_row(offset + n, author_last_name=f"Writer{offset + n}", genres=f"G{n};Common")
            for n in range(count)
        ]
        rows = [{**row, "language": f"L{n % 7}", "copies": "2"} for n, row in enumerate(rows)]
        with CaptureQueriesContext(connection) as queries:
            catalog_io.import_file(csv_file(rows))
        assert Book.objects.filter(isbn=isbn13(offset + count - 1)).exists()
        return len(queries)

    small, large = queries_for(10, 0), queries_for(1000, 10_000)
    # A batch of 500 rows costs a few queries; one query per row would add 990.
    assert large - small < 990 / 20


# The page


def test_page_shows_the_form_and_the_columns_to_a_librarian(librarian_client):
    response = librarian_client.get(reverse("import-books"))
    assert response.status_code == 200
    content = response.content.decode()
    assert re.search(r"<title>\s*Import books", content)
    assert len(re.findall(r"<h1[\s>]", content)) == 1
    assert 'enctype="multipart/form-data"' in content
    assert "csrfmiddlewaretoken" in content
    for column in catalog_io.COLUMNS:
        assert f"<code>{column}</code>" in content


def test_librarian_uploads_the_sample_file_and_sees_the_counts(librarian_client):
    response = upload(librarian_client, SAMPLE.read_bytes())
    assert response.status_code == 200
    assert Book.objects.count() == 20
    assert "Imported 20 books with 31 available copies" in response.content.decode()


def test_upload_without_a_file_is_a_form_error(librarian_client):
    response = librarian_client.post(reverse("import-books"), {"file": "not a file"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_only_librarians_open_the_import_page(librarians_only):
    librarians_only(reverse("import-books"))


def test_member_without_permission_cannot_upload(member_client):
    assert upload(member_client, SAMPLE.read_bytes()).status_code == 403
    assert nothing_imported()


def test_page_answers_put_with_405(librarian_client):
    assert librarian_client.put(reverse("import-books")).status_code == 405


# The same check where a librarian types an ISBN: the book form


def book_form_data(**changes):
    author, genre = AuthorFactory(), GenreFactory()
    data = {"title": "Optics", "author": author.pk, "summary": "Light.", "genre": [genre.pk]}
    return {**data, **changes}


def test_librarian_types_a_hyphenated_isbn_10_and_the_book_keeps_its_isbn_13(librarian_client):
    response = librarian_client.post(reverse("book-create"), book_form_data(isbn="0-306-40615-2"))
    assert response.status_code == 302
    assert Book.objects.get().isbn == "9780306406157"


def test_a_wrong_check_digit_on_the_book_form_is_a_form_error(librarian_client):
    response = librarian_client.post(
        reverse("book-create"), book_form_data(isbn="978-0-306-40615-8")
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["isbn"]
    assert error.startswith("Enter a valid ISBN-10 or ISBN-13: the check digit")
    assert not Book.objects.exists()


def test_a_books_placeholder_isbn_may_stay_when_other_fields_change(librarian_client):
    book = BookFactory(isbn="0000000000000")  # as the tutorial's fixtures hold
    data = book_form_data(isbn="0000000000000", title="New title")
    response = librarian_client.post(reverse("book-update", args=[book.pk]), data)
    assert response.status_code == 302
    book.refresh_from_db()
    assert (book.title, book.isbn) == ("New title", "0000000000000")
    data["isbn"] = "0000000000001"
    response = librarian_client.post(reverse("book-update", args=[book.pk]), data)
    assert response.context["form"].errors["isbn"]

"""The contract's "Catalog in and out" section: import, export and reports, from the outside."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import Author, Book, BookInstance, Genre, Language, Loan

from .factories import BookFactory, BookInstanceFactory, LibrarianFactory, MemberFactory

pytestmark = pytest.mark.django_db

HEADER = "title,author_last_name,author_first_name,isbn,genres,language,summary,copies"
GOOD = (
    f"{HEADER}\n"
    "The Hobbit,Tolkien,J. R. R.,978-0-261-10221-7,Fantasy;Classic,English,There and back,2\n"
    "Emma,Austen,Jane,0141439580,,,,\n"
)


def write(tmp_path, text, name="books.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def run_import(path):
    out = io.StringIO()
    call_command("import_books", path, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_good_file_and_prints_the_count(tmp_path):
    output = run_import(write(tmp_path, GOOD))
    assert "2" in output
    hobbit = Book.objects.get(title="The Hobbit")
    assert hobbit.isbn == "9780261102217"
    assert str(hobbit.author) == "Tolkien, J. R. R."
    assert sorted(g.name for g in hobbit.genre.all()) == ["Classic", "Fantasy"]
    assert hobbit.language.name == "English"
    assert BookInstance.objects.filter(book=hobbit, status="a").count() == 2
    emma = Book.objects.get(title="Emma")
    assert emma.isbn == "9780141439587"  # ISBN-10 stored as ISBN-13
    assert emma.bookinstance_set.count() == 0


def test_existing_authors_genres_and_languages_are_reused(tmp_path):
    Author.objects.create(first_name="J. R. R.", last_name="Tolkien")
    Genre.objects.create(name="Fantasy")
    Language.objects.create(name="English")
    run_import(write(tmp_path, GOOD))
    assert Author.objects.filter(last_name="Tolkien").count() == 1
    assert Genre.objects.filter(name="Fantasy").count() == 1
    assert Language.objects.count() == 1


def test_a_book_whose_isbn_exists_is_skipped(tmp_path):
    BookFactory(isbn="9780261102217", title="Already here")
    output = run_import(write(tmp_path, GOOD))
    assert Book.objects.filter(isbn="9780261102217").get().title == "Already here"
    assert Book.objects.filter(title="Emma").exists()
    assert "9780261102217" in output or "skip" in output.lower()


def test_a_file_with_a_bad_row_imports_nothing_and_names_every_bad_line(tmp_path):
    text = (
        f"{HEADER}\n"
        "Good,Writer,A,9780261102217,,,,\n"
        ",Writer,A,9780141439587,,,,\n"  # line 3: no title
        "Bad Isbn,Writer,A,9780261102218,,,,\n"  # line 4: wrong check digit
        "No author,,A,9780141439587,,,,\n"  # line 5: no last name
    )
    with pytest.raises(CommandError) as refused:
        run_import(write(tmp_path, text))
    message = str(refused.value)
    for line in ("3", "4", "5"):
        assert f"line {line}" in message.lower() or f"Line {line}" in message
    assert "line 2" not in message.lower()
    assert not Book.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00t\x00i\x00t\x00l\x00e",  # UTF-16
        b"title;author\nx;y\n",
        b"",
        b"\x00\x01\x02binary",
    ],
)
def test_a_file_that_is_not_utf8_csv_is_refused(tmp_path, content):
    with pytest.raises(CommandError):
        run_import(write(tmp_path, content))
    assert not Book.objects.exists()


def test_a_file_over_ten_thousand_rows_is_refused(tmp_path):
    rows = [HEADER] + [f"T{n},A,,{n:013d},,,," for n in range(10_001)]
    with pytest.raises(CommandError):
        run_import(write(tmp_path, "\n".join(rows) + "\n"))
    assert not Book.objects.exists()


def test_a_file_over_five_mebibytes_is_refused(tmp_path):
    padding = "x" * 900
    rows = [HEADER] + [f"T{n},A,,{n:013d},,,{padding}," for n in range(6000)]
    text = "\n".join(rows) + "\n"
    assert len(text.encode()) > 5 * 1024 * 1024
    with pytest.raises(CommandError):
        run_import(write(tmp_path, text))
    assert not Book.objects.exists()


# The import page


def test_the_import_page_is_for_those_who_may_add_books(client):
    assert client.get("/catalog/import/")["Location"] == "/accounts/login/?next=/catalog/import/"
    client.force_login(MemberFactory())
    assert client.get("/catalog/import/").status_code == 403
    client.force_login(LibrarianFactory())
    response = client.get("/catalog/import/")
    assert response.status_code == 200
    assert "catalog/import_books.html" in [t.name for t in response.templates]


def test_the_import_page_imports_a_good_file_and_reports_the_counts(client):
    client.force_login(LibrarianFactory())
    upload = SimpleUploadedFile("books.csv", GOOD.encode(), content_type="text/csv")
    response = client.post("/catalog/import/", {"file": upload})
    assert response.status_code in (200, 302)
    assert Book.objects.count() == 2


def test_the_import_page_lists_bad_rows_by_line_and_imports_nothing(client):
    client.force_login(LibrarianFactory())
    text = f"{HEADER}\nGood,Writer,A,9780261102217,,,,\nBad,Writer,A,12345,,,,\n"
    upload = SimpleUploadedFile("books.csv", text.encode(), content_type="text/csv")
    response = client.post("/catalog/import/", {"file": upload})
    assert response.status_code == 200
    assert "3" in response.content.decode()
    assert not Book.objects.exists()


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\x00garbage", b"", b"\x00" * 100])
def test_the_import_page_refuses_garbage_with_a_message(client, content):
    client.force_login(LibrarianFactory())
    upload = SimpleUploadedFile("books.csv", content, content_type="text/csv")
    response = client.post("/catalog/import/", {"file": upload})
    assert response.status_code == 200
    assert not Book.objects.exists()


# Export


def exported(client):
    response = client.get("/catalog/export/books.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_is_for_librarians(client):
    response = client.get("/catalog/export/books.csv")
    assert response["Location"] == "/accounts/login/?next=/catalog/export/books.csv"
    client.force_login(MemberFactory())
    assert client.get("/catalog/export/books.csv").status_code == 403


def test_the_export_has_the_import_columns_and_counts_every_copy(client):
    copy = BookInstanceFactory(book__title="Exported", status="o")
    BookInstanceFactory(book=copy.book, status="m")
    client.force_login(LibrarianFactory())
    rows = exported(client)
    assert list(rows[0].keys()) == HEADER.split(",")
    (row,) = rows
    assert row["title"] == "Exported"
    assert row["copies"] == "2"
    assert row["isbn"] == copy.book.isbn


def test_formula_cells_are_defused_and_come_back_whole(client, tmp_path):
    BookFactory(title="=SUM(A1:A2)", summary="+cmd", author__last_name="@evil")
    client.force_login(LibrarianFactory())
    client.get("/catalog/export/books.csv")
    response = client.get("/catalog/export/books.csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["title"] == "'=SUM(A1:A2)"
    assert row["summary"] == "'+cmd"
    assert row["author_last_name"] == "'@evil"
    Book.objects.all().delete()
    path = write(tmp_path, body.replace(row["isbn"], "9780261102217"))
    run_import(path)
    book = Book.objects.get()
    assert (book.title, book.summary, book.author.last_name) == ("=SUM(A1:A2)", "+cmd", "@evil")


def test_an_export_imports_into_another_library(client, tmp_path):
    book = BookFactory(isbn="9780261102217", title="Round Trip")
    BookInstanceFactory.create_batch(2, book=book)
    client.force_login(LibrarianFactory())
    response = client.get("/catalog/export/books.csv")
    body = b"".join(response.streaming_content)
    BookInstance.objects.all().delete()
    Book.objects.all().delete()
    run_import(write(tmp_path, body))
    book = Book.objects.get()
    assert book.title == "Round Trip"
    assert book.bookinstance_set.count() == 2


# Reports


def test_the_reports_page_shows_overdue_loans_with_whole_days(client):
    today = timezone.localdate()
    member = MemberFactory(username="latereader")
    copy = BookInstanceFactory(
        book__title="Late Book",
        status="o",
        borrower=member,
        due_back=today - datetime.timedelta(days=4),
    )
    Loan.objects.create(
        copy=copy,
        borrower=member,
        lent_on=today - datetime.timedelta(days=25),
        due_back=today - datetime.timedelta(days=4),
    )
    BookFactory(title="Never Lent")
    client.force_login(LibrarianFactory())
    response = client.get("/catalog/reports/")
    assert response.status_code == 200
    assert "catalog/reports.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "latereader" in content and "Late Book" in content
    assert "Never Lent" in content
    csv_response = client.get("/catalog/reports/", {"format": "csv"})
    assert csv_response.status_code == 200
    assert "csv" in csv_response["Content-Type"]
    body = (
        b"".join(csv_response.streaming_content) if csv_response.streaming else csv_response.content
    ).decode()
    assert "latereader" in body and ",4" in body


def test_the_reports_page_is_for_librarians(client):
    assert client.get("/catalog/reports/")["Location"] == "/accounts/login/?next=/catalog/reports/"
    client.force_login(MemberFactory())
    assert client.get("/catalog/reports/").status_code == 403


@pytest.mark.parametrize("fmt", ["xml", "", "\x00", "CSV", "x" * 1000])
def test_an_odd_report_format_never_gives_a_server_error(client, fmt):
    client.force_login(LibrarianFactory())
    assert client.get("/catalog/reports/", {"format": fmt}).status_code < 500

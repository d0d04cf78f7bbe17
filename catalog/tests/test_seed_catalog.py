"""`seed_catalog`: a large made-up library for load tests, fast (issue 6)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from catalog.management.commands.seed_catalog import (
    REAL_CATALOG_BOOKS,
    isbn13_check_digit,
    seeded_isbn,
)
from catalog.models import Author, Book, BookInstance, Genre, Language, Loan

pytestmark = pytest.mark.django_db


def seed(*args):
    out, err = StringIO(), StringIO()
    call_command("seed_catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def is_valid_isbn13(isbn):
    return len(isbn) == 13 and isbn.isdigit() and isbn13_check_digit(isbn[:12]) == isbn[12]


def test_isbn_check_digit_matches_a_published_isbn():
    assert isbn13_check_digit("978030640615") == "7"  # ISBN 978-0-306-40615-7


def test_seeding_adds_the_books_with_three_copies_each_and_says_so():
    out, _ = seed("--books", "40")
    assert Book.objects.count() == 40
    assert BookInstance.objects.count() == 120
    assert "Added 40 books, 120 copies" in out


def test_seeded_books_look_like_a_real_catalog():
    seed("--books", "60")
    books = list(Book.objects.select_related("author", "language").prefetch_related("genre"))
    assert all(is_valid_isbn13(book.isbn) for book in books)
    assert all(book.title and book.summary and book.author and book.language for book in books)
    assert all(1 <= len(book.genre.all()) <= 3 for book in books)
    assert len({book.title for book in books}) > 30
    assert Genre.objects.count() >= 10 and Language.objects.count() >= 5


def test_seeded_copies_are_in_mixed_statuses_with_loans_to_seeded_readers():
    seed("--books", "60")
    statuses = set(BookInstance.objects.values_list("status", flat=True))
    assert statuses == set(BookInstance.LoanStatus.values)
    on_loan = BookInstance.objects.on_loan()
    assert on_loan.exists()
    assert all(copy.borrower.username.startswith("seed-reader-") for copy in on_loan)
    assert all(copy.due_back for copy in on_loan)
    assert not on_loan[0].borrower.has_usable_password()


def test_every_seeded_copy_on_loan_has_one_open_loan_that_says_the_same():
    seed("--books", "60")
    on_loan = list(BookInstance.objects.on_loan())
    loans = {loan.copy_id: loan for loan in Loan.objects.open()}
    assert set(loans) == {copy.pk for copy in on_loan}
    today = timezone.localdate()
    for copy in on_loan:
        loan = loans[copy.pk]
        assert (loan.borrower_id, loan.due_back) == (copy.borrower_id, copy.due_back)
        assert loan.lent_on <= today and loan.lent_on < loan.due_back
    assert any(loan.is_overdue for loan in loans.values())
    assert not Loan.objects.returned().exists()


def test_some_authors_have_many_books():
    seed("--books", "400")
    most = max(author.book_set.count() for author in Author.objects.all())
    assert most >= 50


def test_the_same_seed_gives_the_same_titles_and_a_second_run_new_isbns():
    seed("--books", "30")
    seed("--books", "30")
    titles = list(Book.objects.order_by("pk").values_list("title", flat=True))
    assert titles[:30] == titles[30:]
    assert Book.objects.values("isbn").distinct().count() == 60


def test_seeded_isbns_never_repeat():
    isbns = {seeded_isbn(number) for number in range(20_000)}
    assert len(isbns) == 20_000


class Terminal(StringIO):
    """A captured stream that says it is a terminal, as a shell's stderr is."""

    def isatty(self):
        return True


def test_a_terminal_sees_a_progress_bar_of_the_books():
    err = Terminal()
    call_command("seed_catalog", "--books", "20", stdout=StringIO(), stderr=err)
    assert "100%" in err.getvalue() and "20/20" in err.getvalue()


def test_a_log_file_gets_no_progress_bar_only_the_summary():
    out, err = seed("--books", "20")
    assert err == ""
    assert out.startswith("Added 20 books")


def test_seeding_on_top_of_the_demo_library_reuses_its_genres():
    call_command("load_demo_data", stdout=StringIO())
    genres_before = set(Genre.objects.values_list("name", flat=True))
    seed("--books", "20")
    lower = [name.lower() for name in Genre.objects.values_list("name", flat=True)]
    assert len(lower) == len(set(lower))
    assert genres_before <= set(Genre.objects.values_list("name", flat=True))


def test_seeding_refuses_a_catalog_larger_than_a_demo_library_without_force():
    Book.objects.bulk_create(
        Book(title=f"Real book {n}", summary="-", isbn=f"978{n:010d}")
        for n in range(REAL_CATALOG_BOOKS + 1)
    )
    with pytest.raises(CommandError, match="--force"):
        seed("--books", "5")
    assert Book.objects.count() == REAL_CATALOG_BOOKS + 1
    seed("--books", "5", "--force")
    assert Book.objects.count() == REAL_CATALOG_BOOKS + 6


def test_seeding_needs_at_least_one_book():
    with pytest.raises(CommandError, match="at least 1"):
        seed("--books", "0")


def test_seeded_catalog_pages_open(client):
    seed("--books", "30")
    book = Book.objects.first()
    for url in (reverse("books"), book.get_absolute_url(), book.author.get_absolute_url()):
        assert client.get(url).status_code == 200


def test_verbosity_0_keeps_even_a_terminal_quiet():
    err = Terminal()
    call_command("seed_catalog", "--books", "5", "--verbosity", "0", stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""

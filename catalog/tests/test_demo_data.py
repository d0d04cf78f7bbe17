"""The `load_demo_data` command: a real, believable library that loads once and only once."""

import io
from datetime import date, timedelta
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from catalog.management.commands import load_demo_data
from catalog.management.commands.load_demo_data import DemoDataError, copy_id, read_library
from catalog.models import (
    HOLD_READY_DAYS,
    LOAN_PERIOD,
    Author,
    Book,
    BookInstance,
    Genre,
    Hold,
    Language,
    Loan,
)
from catalog.services import (
    HOLD_WAITING,
    RENEWAL_LIMIT_REACHED,
    CirculationError,
    lend_copy,
    renew_own_loan,
    return_copy,
)

pytestmark = pytest.mark.django_db

Status = BookInstance.LoanStatus
LIBRARY = read_library()
BOOKS = LIBRARY.books
PASSWORDS = {account.username: account.password for account in LIBRARY.accounts}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load():
    """Run the command; return what it printed."""
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


@pytest.fixture
def output():
    return load()


def demo_copies():
    ids = [copy_id(book.isbn, n) for book in BOOKS for n in range(1, len(book.copies) + 1)]
    return BookInstance.objects.filter(pk__in=ids)


def isbn13_is_valid(isbn):
    if len(isbn) != 13 or not isbn.isdigit():
        return False
    total = sum(int(digit) * (3 if i % 2 else 1) for i, digit in enumerate(isbn))
    return total % 10 == 0


def snapshot():
    """Every row the command could touch, in a comparable form."""
    User = get_user_model()
    models = [
        Genre,
        Language,
        Author,
        Book,
        Book.genre.through,
        BookInstance,
        Loan,
        Hold,
        User,
        User.groups.through,
        Group,
        Group.permissions.through,
    ]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


# The data itself ------------------------------------------------------------------------


def test_isbn_checker_rejects_a_wrong_check_digit():
    assert isbn13_is_valid("9780141439518")
    assert not isbn13_is_valid("9780141439519")
    assert not isbn13_is_valid("978014143951")


def test_every_demo_isbn_has_a_valid_check_digit():
    invalid = [(book.isbn, book.title) for book in BOOKS if not isbn13_is_valid(book.isbn)]
    assert invalid == []
    assert len({book.isbn for book in BOOKS}) == len(BOOKS)


def test_every_book_has_one_to_four_copies_and_a_short_summary():
    for book in BOOKS:
        assert 1 <= len(book.copies) <= 4, book.title
        assert 0 < len(book.summary) < 1000, book.title
        assert book.author in LIBRARY.authors, book.title
        assert book.genres, book.title


# A small library in the data file's format, for the tests of what the reader refuses.
SMALL_LIBRARY = """
[[accounts]]
username = "reader"
password = "reader-pass"
role = "member"
first_name = "Rea"
last_name = "Der"
email = "reader@example.com"
can = "borrow"

[authors]
austen = { first_name = "Jane", last_name = "Austen", born = 1775-12-16 }

[[books]]
isbn = "9780141439518"
title = "Pride and Prejudice"
author = "austen"
language = "English"
genres = ["Romance"]
imprint = "Penguin Classics, 2003"
summary = "Elizabeth and Mr Darcy."
copies = [{ status = "on_loan", borrower = "reader", due_in_days = -1 }, { status = "available" }]
"""


def write_library(tmp_path, text=SMALL_LIBRARY):
    path = tmp_path / "library.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_data_file_records_become_typed_values(tmp_path):
    library = read_library(write_library(tmp_path))
    (book,) = library.books
    assert library.authors["austen"].born == date(1775, 12, 16)
    assert [(copy.status, copy.borrower, copy.due_in_days) for copy in book.copies] == [
        (Status.ON_LOAN, "reader", -1),
        (Status.AVAILABLE, None, None),
    ]
    assert library.accounts[0].role == "member"


@pytest.mark.parametrize(
    "wrong, right, message",
    [
        (
            'author = "austen"',
            'author = "austin"',
            "9780141439518: no author with the key 'austin'",
        ),
        ('borrower = "reader"', 'borrower = "nobody"', "no account named 'nobody'"),
        ('role = "member"', 'role = "owner"', "role must be one of"),
        ('{ status = "available" }', '{ status = "lost" }', "status must be one of"),
        (", due_in_days = -1", "", "a copy on loan has a borrower and due_in_days"),
        ('title = "Pride and Prejudice"', 'titel = "Pride"', "unexpected keyword argument 'titel'"),
        (
            "due_in_days = -1 }",
            "due_in_days = 30 }",
            "copy 1 overlap, end before they start or lie",
        ),
        ('{ status = "available" }', '{ status = "available", renewals = 1 }', "renewals if any"),
    ],
)
def test_a_wrong_record_in_the_data_file_is_named_in_the_error(tmp_path, wrong, right, message):
    path = write_library(tmp_path, SMALL_LIBRARY.replace(wrong, right))
    with pytest.raises(DemoDataError, match=message):
        read_library(path)


@pytest.mark.parametrize(
    "history, message",
    [
        (
            'past_loans = [{ copy = 1, borrower = "reader", lent_days_ago = 30,'
            " returned_days_ago = 10 }]",
            "the loans of copy 1 overlap",
        ),
        (
            'past_loans = [{ copy = 3, borrower = "reader", lent_days_ago = 30,'
            " returned_days_ago = 25 }]",
            "a past loan of copy 3, but the book has 2",
        ),
        (
            'holds = [{ patron = "reader", placed_days_ago = 1 }]',
            "holds wait in a queue only while no copy is available",
        ),
        (
            'holds = [{ patron = "reader", placed_days_ago = 3, ready_days_ago = 1 }]',
            "each reserved copy needs a ready hold",
        ),
    ],
)
def test_a_history_no_library_could_have_is_refused(tmp_path, history, message):
    path = write_library(tmp_path, SMALL_LIBRARY + history + "\n")
    with pytest.raises(DemoDataError, match=message):
        read_library(path)


def test_a_hold_ready_for_longer_than_a_patron_may_wait_is_refused(tmp_path):
    text = SMALL_LIBRARY.replace(
        '{ status = "available" }', '{ status = "reserved", borrower = "reader" }'
    )
    ready = f"ready_days_ago = {HOLD_READY_DAYS}"
    history = f'holds = [{{ patron = "reader", placed_days_ago = 9, {ready} }}]\n'
    assert read_library(write_library(tmp_path, text + history)).books[0].holds
    too_late = history.replace(ready, f"ready_days_ago = {HOLD_READY_DAYS + 1}")
    with pytest.raises(DemoDataError, match=f"ready for more than {HOLD_READY_DAYS} days"):
        read_library(write_library(tmp_path, text + too_late))


def test_command_refuses_a_broken_data_file_and_loads_nothing(tmp_path, monkeypatch):
    path = write_library(tmp_path, SMALL_LIBRARY.replace('"austen"', '"austin"', 1))
    monkeypatch.setattr(load_demo_data, "DATA_FILE", path)
    with pytest.raises(CommandError, match="library.toml: Book 9780141439518"):
        load()
    assert not Book.objects.exists() and not get_user_model().objects.exists()


def test_command_loads_whatever_library_the_data_file_holds(tmp_path, monkeypatch):
    monkeypatch.setattr(load_demo_data, "DATA_FILE", write_library(tmp_path))
    load()
    copy = BookInstance.objects.get(pk=copy_id("9780141439518", 1))
    assert copy.borrower.username == "reader" and copy.is_overdue
    assert Book.objects.get().genre.get().name == "Romance"


def test_demo_data_is_a_believable_library(output):
    assert Book.objects.count() >= 28
    assert Author.objects.count() >= 12
    assert Genre.objects.filter(book__isnull=False).distinct().count() >= 6
    assert Language.objects.filter(book__isnull=False).distinct().count() >= 3
    assert Book.objects.exclude(language__name="English").count() >= 4
    # Authors have several books each on average, and nobody is left without one.
    assert not Author.objects.filter(book__isnull=True).exists()
    assert not Book.objects.filter(genre__isnull=True).exists()


def test_demo_authors_have_consistent_dates(output):
    authors = Author.objects.all()
    assert sum(author.date_of_birth is not None for author in authors) >= 12
    for author in authors:
        if author.date_of_birth and author.date_of_death:
            assert author.date_of_birth < author.date_of_death, str(author)
    austen = Author.objects.get(first_name="Jane", last_name="Austen")
    assert (austen.date_of_birth, austen.date_of_death) == (date(1775, 12, 16), date(1817, 7, 18))
    assert Author.objects.filter(date_of_death__isnull=True).exists()  # living authors


def test_every_demo_row_passes_model_validation(output):
    for model in (Genre, Language, Author, Book, BookInstance):
        for obj in model.objects.all():
            obj.full_clean()


def test_demo_copies_have_fixed_ids(output):
    dune = Book.objects.get(isbn="9780441172719")
    expected = {copy_id(dune.isbn, n) for n in (1, 2, 3)}
    assert set(dune.bookinstance_set.values_list("pk", flat=True)) == expected
    assert demo_copies().count() == sum(len(book.copies) for book in BOOKS)
    assert BookInstance.objects.count() == demo_copies().count()


def test_demo_copies_have_imprints_with_publisher_and_year(output):
    for copy in BookInstance.objects.all():
        publisher, _, year = copy.imprint.rpartition(", ")
        assert publisher and year.isdigit() and 1900 < int(year) <= 2025, copy.imprint


# Loans ----------------------------------------------------------------------------------


def test_demo_data_has_every_loan_status(output):
    statuses = set(demo_copies().values_list("status", flat=True))
    assert statuses == set(Status.values)


def test_demo_data_has_overdue_loans_for_the_patron(output):
    patron = get_user_model().objects.get(username="patron")
    loans = list(BookInstance.objects.filter(borrower=patron, status=Status.ON_LOAN))
    assert len(loans) >= 3
    overdue = [copy for copy in loans if copy.is_overdue]
    assert len(overdue) >= 2
    assert len(overdue) < len(loans)  # and some that are not


def test_second_patron_has_a_few_loans(output):
    patron2 = get_user_model().objects.get(username="patron2")
    assert BookInstance.objects.filter(borrower=patron2, status=Status.ON_LOAN).count() >= 2


def test_loans_have_a_borrower_and_a_due_date_other_copies_none(output):
    for copy in demo_copies():
        if copy.status == Status.ON_LOAN:
            assert copy.borrower is not None and copy.due_back is not None
        elif copy.status == Status.RESERVED:
            # Reserved for someone: the borrower is who it is kept for.
            assert copy.borrower is not None and copy.due_back is None
        else:
            assert copy.borrower is None and copy.due_back is None


def test_due_dates_are_offsets_from_the_library_local_date(monkeypatch):
    today = date(2031, 2, 14)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    load()
    dune_loan = BookInstance.objects.get(pk=copy_id("9780441172719", 1))
    assert dune_loan.due_back == today - timedelta(days=5)
    assert dune_loan.is_overdue
    assert dune_loan.loans.get().lent_on == today - timedelta(days=5) - LOAN_PERIOD
    assert Hold.objects.get(book__isbn="9780062316097").ready_on == today - timedelta(days=2)
    due_dates = demo_copies().filter(status=Status.ON_LOAN).values_list("due_back", flat=True)
    assert all(today - timedelta(days=30) <= due <= today + timedelta(weeks=4) for due in due_dates)


def test_every_copy_on_loan_has_one_open_loan_that_says_the_same(output):
    open_loans = {loan.copy_id: loan for loan in Loan.objects.open()}
    on_loan = list(demo_copies().filter(status=Status.ON_LOAN))
    assert set(open_loans) == {copy.pk for copy in on_loan}
    for copy in on_loan:
        loan = open_loans[copy.pk]
        assert (loan.borrower, loan.due_back) == (copy.borrower, copy.due_back)
        assert loan.lent_on <= timezone.localdate()
        assert loan.due_back == loan.lent_on + LOAN_PERIOD * (1 + loan.renewals)


def test_demo_patrons_have_past_loans_some_renewed_and_one_returned_late(output):
    for username in ("patron", "patron2"):
        assert Loan.objects.returned().filter(borrower__username=username).count() >= 4
    returned = list(Loan.objects.returned())
    assert any(loan.renewals for loan in returned)
    assert any(loan.returned_on > loan.due_back for loan in returned)
    assert all(loan.lent_on <= loan.returned_on < timezone.localdate() for loan in returned)


def test_a_copy_is_never_lent_twice_at_once(output):
    for copy in demo_copies().filter(loans__isnull=False).distinct():
        loans = list(copy.loans.order_by("lent_on"))
        for earlier, later in pairwise(loans):
            assert earlier.returned_on is not None and earlier.returned_on <= later.lent_on


def test_each_reserved_copy_is_set_aside_for_a_ready_hold_of_its_borrower(output):
    reserved = list(demo_copies().filter(status=Status.RESERVED))
    assert reserved
    ready = {hold.copy_id: hold for hold in Hold.objects.ready()}
    assert set(ready) == {copy.pk for copy in reserved}
    for copy in reserved:
        hold = ready[copy.pk]
        assert (hold.patron, hold.book) == (copy.borrower, copy.book)
        assert timezone.localdate() <= hold.ready_until
        assert hold.placed_at.date() <= hold.ready_on


def test_a_book_with_every_copy_out_has_a_queue_of_holds(output):
    book = Book.objects.get(isbn="9780385490818")  # The Handmaid's Tale
    queue = [hold.patron.username for hold in Hold.objects.queue().filter(book=book)]
    assert queue == ["patron2", "patron"]
    mine = Hold.objects.with_queue_position().get(book=book, patron__username="patron")
    assert mine.queue_position == 2  # what 'My holds' shows the demo patron
    assert not book.bookinstance_set.filter(status=Status.AVAILABLE).exists()


# What the history lets a visitor try (through the circulation services) ---------------------


def on_loan_copy(isbn, username):
    return BookInstance.objects.get(
        book__isbn=isbn, status=Status.ON_LOAN, borrower__username=username
    )


def test_returning_the_queued_book_sets_it_aside_for_the_first_in_line(output):
    copy = on_loan_copy("9780385490818", "patron3")
    return_copy(copy=copy)
    copy.refresh_from_db()
    assert (copy.status, copy.borrower.username) == (Status.RESERVED, "patron2")
    assert Hold.objects.get(copy=copy).ready_on == timezone.localdate()


def test_patron3_cannot_renew_a_book_others_wait_for(output):
    patron3 = get_user_model().objects.get(username="patron3")
    with pytest.raises(CirculationError, match=HOLD_WAITING):
        renew_own_loan(copy=on_loan_copy("9780385490818", "patron3"), patron=patron3)


def test_patron_cannot_renew_a_loan_renewed_twice_but_can_renew_another(output):
    patron = get_user_model().objects.get(username="patron")
    with pytest.raises(CirculationError, match=RENEWAL_LIMIT_REACHED):
        renew_own_loan(copy=on_loan_copy("9782070612758", "patron"), patron=patron)
    loan = renew_own_loan(copy=on_loan_copy("9780307474728", "patron"), patron=patron)
    assert loan.renewals == 2


def test_lending_a_ready_copy_to_its_patron_fulfils_the_hold(output):
    hold = Hold.objects.ready().get(book__isbn="9780062316097", patron__username="patron")
    lend_copy(copy=hold.copy, borrower=hold.patron, due_back=timezone.localdate() + LOAN_PERIOD)
    hold.refresh_from_db()
    assert hold.end_reason == Hold.EndReason.FULFILLED


# Accounts -------------------------------------------------------------------------------


def test_demo_account_names_and_passwords_are_published():
    # The accounts README and earlier `make run` output named keep their names and passwords.
    assert [account.username for account in LIBRARY.accounts][:4] == [
        "admin",
        "librarian",
        "patron",
        "patron2",
    ]
    assert PASSWORDS["admin"] == "admin-demo-pass"
    assert PASSWORDS["librarian"] == "librarian-demo-pass"
    assert PASSWORDS["patron"] == "patron-demo-pass"
    assert PASSWORDS["patron2"] == "patron2-demo-pass"


def test_admin_is_a_superuser(output):
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_active


def test_librarian_is_staff_in_librarians_and_can_mark_returned(output):
    librarian = get_user_model().objects.get(username="librarian")
    assert librarian.is_staff
    assert not librarian.is_superuser
    assert librarian.groups.filter(name="Librarians").exists()
    assert librarian.has_perm("catalog.can_mark_returned")
    assert librarian.has_perm("catalog.change_bookinstance")


@pytest.mark.parametrize("username", ["patron", "patron2", "patron3"])
def test_patrons_are_library_members_without_staff_rights(output, username):
    patron = get_user_model().objects.get(username=username)
    assert not patron.is_staff and not patron.is_superuser
    assert [group.name for group in patron.groups.all()] == ["Library Members"]
    assert not patron.has_perm("catalog.can_mark_returned")
    assert patron.email  # reminders about overdue copies go somewhere


@pytest.mark.parametrize("username", PASSWORDS)
def test_demo_accounts_can_log_in(output, client, username):
    assert client.login(username=username, password=PASSWORDS[username])


def test_missing_groups_are_created_with_the_librarian_permissions():
    Group.objects.filter(name__in=["Librarians", "Library Members"]).delete()
    load()
    librarian = get_user_model().objects.get(username="librarian")
    assert librarian.has_perm("catalog.can_mark_returned")
    assert get_user_model().objects.get(username="patron").groups.get().name == "Library Members"


def test_output_lists_the_accounts(output):
    assert "Demo accounts" in output
    for account in LIBRARY.accounts:
        line = next(line for line in output.splitlines() if line.split()[:1] == [account.username])
        assert account.password in line
        assert account.can in line
    assert "Books" in output and "overdue" in output


# Running again --------------------------------------------------------------------------


def test_running_twice_changes_nothing(output):
    before = snapshot()
    second_output = load()
    assert snapshot() == before
    assert "nothing was changed" in second_output
    assert "(0 new)" in second_output


def test_second_run_keeps_what_people_changed(output):
    patron = get_user_model().objects.get(username="patron")
    patron.set_password("my-own-secret")
    patron.save()
    loan = BookInstance.objects.get(pk=copy_id("9780441172719", 1))
    loan.due_back = date(2040, 1, 1)
    loan.save()
    Book.objects.filter(isbn="9780441172719").update(summary="Edited by a librarian.")

    second_output = load()

    patron.refresh_from_db()
    assert patron.check_password("my-own-secret")
    assert BookInstance.objects.get(pk=loan.pk).due_back == date(2040, 1, 1)
    assert Book.objects.get(isbn="9780441172719").summary == "Edited by a librarian."
    assert "patron-demo-pass" not in second_output
    assert "admin-demo-pass" in second_output


def test_second_run_brings_back_no_loan_or_hold_the_desk_has_closed(output):
    return_copy(copy=on_loan_copy("9780385490818", "patron3"))
    hold = Hold.objects.get(book__isbn="9780385490818", patron__username="patron2")
    lend_copy(copy=hold.copy, borrower=hold.patron, due_back=timezone.localdate() + LOAN_PERIOD)
    before = snapshot()
    assert "nothing was changed" in load()
    assert snapshot() == before


def test_existing_rows_are_reused_not_duplicated():
    Genre.objects.create(name="science fiction")  # same name, other case
    Author.objects.create(first_name="Frank", last_name="Herbert")
    get_user_model().objects.create_user("admin", password="the-real-admin-pass")
    output = load()
    assert Genre.objects.filter(name__iexact="Science Fiction").count() == 1
    assert Author.objects.filter(last_name="Herbert").count() == 1
    dune = Book.objects.get(isbn="9780441172719")
    assert dune.author.date_of_birth is None  # the existing author, left as it was
    assert [genre.name for genre in dune.genre.all()] == ["science fiction"]
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("the-real-admin-pass")
    assert not admin.is_superuser
    assert "admin-demo-pass" not in output


def test_if_empty_loads_the_demo_library_into_an_empty_catalog():
    call_command("load_demo_data", "--if-empty", stdout=io.StringIO())
    assert Book.objects.count() >= 25


def test_if_empty_leaves_a_library_with_books_alone_but_prints_the_accounts(output):
    own_book = Book.objects.create(title="Our own", summary="s", isbn="0000000000001")
    Book.objects.exclude(pk=own_book.pk).filter(bookinstance__isnull=True).delete()
    before = snapshot()
    out = io.StringIO()
    call_command("load_demo_data", "--if-empty", stdout=out)
    assert snapshot() == before
    assert "no demo data loaded" in out.getvalue()
    assert "librarian-demo-pass" in out.getvalue()

"""Fill the catalog with a small, real library and the demo accounts.

A fresh install (`make run`) then has pages worth looking at, and anyone can log in at once
as a patron or a librarian. The library itself is data: `demo_library.toml` beside this
file. Running the command again changes nothing: rows that exist are kept.
"""

import tomllib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from catalog.models import (
    HOLD_READY_DAYS,
    LIBRARIANS,
    LIBRARY_MEMBERS,
    LOAN_PERIOD,
    MAX_ACTIVE_HOLDS,
    Author,
    Book,
    BookInstance,
    Genre,
    Hold,
    Language,
    Loan,
)

Status = BookInstance.LoanStatus

DATA_FILE = Path(__file__).with_name("demo_library.toml")

# What each account role in the data file makes: (superuser, staff, group).
ROLES = {
    "superuser": (True, True, None),
    "librarian": (False, True, LIBRARIANS),
    "member": (False, False, LIBRARY_MEMBERS),
}

# Copies get fixed ids, uuid5(COPY_NAMESPACE, f"{isbn}-{n}") for n = 1, 2, ...: the same
# on every install, so links to a demo copy survive a database rebuild.
COPY_NAMESPACE = uuid.UUID("f35000a6-e1c6-43e6-b479-d95e9826672b")


def copy_id(isbn, number):
    """The fixed UUID of demo copy `number` (from 1) of the book with this ISBN."""
    return uuid.uuid5(COPY_NAMESPACE, f"{isbn}-{number}")


def days_from_today(days):
    """The library's today moved by `days` (negative: in the past); None stays None."""
    return None if days is None else timezone.localdate() + timedelta(days=days)


# The records of the data file --------------------------------------------------------
# Days count from the library's today (`lent_days_ago = 30`), so the demo always looks
# current. A loan is due LOAN_PERIOD after it was lent, and LOAN_PERIOD later per renewal.


def loan_days(renewals):
    """How long a loan renewed this many times runs, in days."""
    return LOAN_PERIOD.days * (1 + renewals)


@dataclass(frozen=True)
class DemoAccount:
    """A demo account, created only when no user has its name yet."""

    username: str
    password: str
    role: str  # a key of ROLES
    first_name: str
    last_name: str
    email: str
    can: str  # what the account can do, as `make run` prints it


@dataclass(frozen=True)
class DemoAuthor:
    first_name: str
    last_name: str
    born: date | None = None
    died: date | None = None


@dataclass(frozen=True)
class DemoCopy:
    """A copy's state: its borrower (or who it is kept for) and, on loan, its open loan."""

    status: str  # a Status value ("a", "o", ...); the file names it ("available", ...)
    borrower: str | None = None
    due_in_days: int | None = None  # negative = overdue
    renewals: int = 0  # of the open loan

    @property
    def lent_days_ago(self):
        return loan_days(self.renewals) - self.due_in_days


@dataclass(frozen=True)
class DemoPastLoan:
    """A loan of copy number `copy` (from 1) of the book, returned."""

    copy: int
    borrower: str
    lent_days_ago: int
    returned_days_ago: int
    renewals: int = 0

    @property
    def due_days_ago(self):
        return self.lent_days_ago - loan_days(self.renewals)


@dataclass(frozen=True)
class DemoHold:
    """A patron's active hold: waiting in the queue, or ready (their copy set aside)."""

    patron: str
    placed_days_ago: int  # the queue's order: the oldest first
    ready_days_ago: int | None = None  # set: the book's copy reserved for the patron waits


@dataclass(frozen=True)
class DemoBook:
    isbn: str
    title: str
    author: str  # a key of DemoLibrary.authors
    language: str
    genres: tuple[str, ...]
    imprint: str
    summary: str
    copies: tuple[DemoCopy, ...]
    past_loans: tuple[DemoPastLoan, ...] = ()
    holds: tuple[DemoHold, ...] = ()


@dataclass(frozen=True)
class DemoLibrary:
    accounts: tuple[DemoAccount, ...]
    authors: dict[str, DemoAuthor]
    books: tuple[DemoBook, ...]


class DemoDataError(ValueError):
    """The data file has a record the command cannot load (the message says which)."""


def read_library(path=DATA_FILE):
    """The demo library in the data file, every reference checked before anything loads."""
    with open(path, "rb") as file:
        data = tomllib.load(file)
    accounts = tuple(record(DemoAccount, "account", entry) for entry in data["accounts"])
    authors = {
        key: record(DemoAuthor, f"author {key}", entry) for key, entry in data["authors"].items()
    }
    books = tuple(read_book(entry) for entry in data["books"])
    usernames = {account.username for account in accounts}
    for account in accounts:
        if account.role not in ROLES:
            raise DemoDataError(f"Account {account.username}: role must be one of {list(ROLES)}.")
    for book in books:
        check_book(book, authors, usernames)
    holds = Counter(hold.patron for book in books for hold in book.holds)
    for patron, count in holds.items():
        if count > MAX_ACTIVE_HOLDS:
            raise DemoDataError(f"{patron} has {count} holds: at most {MAX_ACTIVE_HOLDS}.")
    return DemoLibrary(accounts, authors, books)


def read_book(entry):
    where = f"book {entry.get('isbn', '(no isbn)')}"
    parts = {
        "genres": tuple(entry.get("genres", ())),
        "copies": tuple(read_copy(where, copy) for copy in entry.get("copies", ())),
        "past_loans": tuple(
            record(DemoPastLoan, f"a past loan of {where}", loan)
            for loan in entry.get("past_loans", ())
        ),
        "holds": tuple(
            record(DemoHold, f"a hold on {where}", hold) for hold in entry.get("holds", ())
        ),
    }
    return record(DemoBook, where, {**entry, **parts})


def read_copy(where, entry):
    """A copy; its status named as in Status ("on_loan"), with what that status needs."""
    name = entry.get("status", "")
    if name.upper() not in Status.names:
        raise DemoDataError(
            f"A copy of {where}: status must be one of {Status.names} in lower case."
        )
    copy = record(DemoCopy, f"a copy of {where}", {**entry, "status": Status[name.upper()].value})
    on_loan = copy.status == Status.ON_LOAN
    needs_borrower = on_loan or copy.status == Status.RESERVED
    if (
        (copy.borrower is not None) != needs_borrower
        or (copy.due_in_days is not None) != on_loan
        or (copy.renewals and not on_loan)
    ):
        raise DemoDataError(
            f"A copy of {where}: a copy on loan has a borrower and due_in_days (renewals"
            " if any), a reserved copy a borrower only, any other copy none of them."
        )
    return copy


def check_book(book, authors, usernames):
    """Refuse what a real library's records could not say: no person, loans that overlap..."""

    def refuse(problem):
        raise DemoDataError(f"Book {book.isbn}: {problem}")

    if book.author not in authors:
        refuse(f"no author with the key {book.author!r}.")
    people = [copy.borrower for copy in book.copies if copy.borrower]
    people += [loan.borrower for loan in book.past_loans] + [hold.patron for hold in book.holds]
    for username in people:
        if username not in usernames:
            refuse(f"no account named {username!r}.")
    for loan in book.past_loans:
        if not 1 <= loan.copy <= len(book.copies):
            refuse(f"a past loan of copy {loan.copy}, but the book has {len(book.copies)}.")
    # Each copy's loans, the oldest first, end before the next starts; none in the future.
    for number, copy in enumerate(book.copies, start=1):
        spans = sorted(
            (
                (loan.lent_days_ago, loan.returned_days_ago)
                for loan in book.past_loans
                if loan.copy == number
            ),
            reverse=True,
        )
        if copy.status == Status.ON_LOAN:
            spans.append((copy.lent_days_ago, 0))
        if any(not lent >= returned >= 0 for lent, returned in spans) or any(
            later_lent > returned for (_, returned), (later_lent, _) in pairwise(spans)
        ):
            refuse(f"the loans of copy {number} overlap, end before they start or lie ahead.")
    # Holds: one per patron; a ready one for each reserved copy; waiting only if none is free.
    if len({hold.patron for hold in book.holds}) < len(book.holds):
        refuse("two holds of one patron.")
    ready = [hold for hold in book.holds if hold.ready_days_ago is not None]
    reserved_for = sorted(copy.borrower for copy in book.copies if copy.status == Status.RESERVED)
    if sorted(hold.patron for hold in ready) != reserved_for:
        refuse("each reserved copy needs a ready hold (ready_days_ago) of its borrower.")
    for hold in ready:
        if not hold.placed_days_ago >= hold.ready_days_ago >= 0:
            refuse(f"the hold of {hold.patron} is ready before it was placed, or ahead.")
        if hold.ready_days_ago > HOLD_READY_DAYS:
            refuse(f"the hold of {hold.patron} is ready for more than {HOLD_READY_DAYS} days.")
    if len(ready) < len(book.holds) and any(c.status == Status.AVAILABLE for c in book.copies):
        refuse("holds wait in a queue only while no copy is available.")


def record(cls, where, entry):
    try:
        return cls(**entry)
    except TypeError as error:  # a missing or unknown key
        raise DemoDataError(f"{where.capitalize()}: {error}") from None


class Command(BaseCommand):
    help = (
        "Load a small demo library (real books, authors, copies, loans past and present,"
        " holds) and the demo accounts. Existing rows are never changed."
    )
    requires_migrations_checks = True

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load nothing when the catalog already has books (what `make run` does).",
        )

    def handle(self, *args, **options):
        try:
            self.library = read_library(DATA_FILE)
        except (OSError, tomllib.TOMLDecodeError, DemoDataError) as error:
            raise CommandError(f"{DATA_FILE}: {error}") from error
        if options["if_empty"] and Book.objects.exists():
            self.stdout.write("The catalog already has books: no demo data loaded.")
            usernames = [account.username for account in self.library.accounts]
            self.users = {
                user.username: user
                for user in get_user_model().objects.filter(username__in=usernames)
            }
            self.new_usernames = set()
            self.print_accounts()
            return
        with transaction.atomic():
            created = {
                "genres": self.load_genres(),
                "languages": self.load_languages(),
                "authors": self.load_authors(),
                "accounts": self.load_accounts(),
                "books": self.load_books(),
                "copies": self.load_copies(),
                "loans": self.load_loans(),
                "holds": self.load_holds(),
            }
        self.print_summary(created)

    # Catalog -------------------------------------------------------------------------

    def load_genres(self):
        names = sorted({name for book in self.library.books for name in book.genres})
        self.genres, created = self.get_or_create_by_name(Genre, names)
        return created

    def load_languages(self):
        names = sorted({book.language for book in self.library.books})
        self.languages, created = self.get_or_create_by_name(Language, names)
        return created

    @staticmethod
    def get_or_create_by_name(model, names):
        """{name: object}, reusing rows whose name differs only by case (the unique rule)."""
        objects, created = {}, 0
        for name in names:
            obj = model.objects.filter(name__iexact=name).order_by("pk").first()
            if obj is None:
                obj = model.objects.create(name=name)
                created += 1
            objects[name] = obj
        return objects, created

    def load_authors(self):
        self.authors, created = {}, 0
        for key, demo in self.library.authors.items():
            author = (
                Author.objects.filter(first_name=demo.first_name, last_name=demo.last_name)
                .order_by("pk")
                .first()
            )
            if author is None:
                author = Author.objects.create(
                    first_name=demo.first_name,
                    last_name=demo.last_name,
                    date_of_birth=demo.born,
                    date_of_death=demo.died,
                )
                created += 1
            self.authors[key] = author
        return created

    def load_books(self):
        self.books, self.new_isbns = {}, set()
        for demo in self.library.books:
            book, is_new = Book.objects.get_or_create(
                isbn=demo.isbn,
                defaults=dict(
                    title=demo.title,
                    author=self.authors[demo.author],
                    summary=demo.summary,
                    language=self.languages[demo.language],
                ),
            )
            if is_new:
                book.genre.set([self.genres[name] for name in demo.genres])
                self.new_isbns.add(demo.isbn)
            self.books[demo.isbn] = book
        return len(self.new_isbns)

    def load_copies(self):
        wanted = {}
        for demo in self.library.books:
            for number, copy in enumerate(demo.copies, start=1):
                pk = copy_id(demo.isbn, number)
                wanted[pk] = BookInstance(
                    id=pk,
                    book=self.books[demo.isbn],
                    imprint=demo.imprint,
                    status=copy.status,
                    borrower=self.users[copy.borrower] if copy.borrower else None,
                    due_back=days_from_today(copy.due_in_days),
                )
        existing = set(BookInstance.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        new = [copy for pk, copy in wanted.items() if pk not in existing]
        BookInstance.objects.bulk_create(new)
        self.copy_ids = list(wanted)
        self.new_copy_ids = {copy.pk for copy in new}
        return len(new)

    # History: loans and holds, dated back from today ----------------------------------
    # Written as rows rather than through catalog/services.py: the services act on today
    # and e-mail the patron, while this history lies in the past and loads silently. The
    # data file is checked against the same rules (see check_book).

    def load_loans(self):
        """The loans of the copies this run made: an open one for each copy on loan, past ones."""
        loans = []
        for demo in self.library.books:
            for number, copy in enumerate(demo.copies, start=1):
                pk = copy_id(demo.isbn, number)
                if pk in self.new_copy_ids and copy.status == Status.ON_LOAN:
                    loans.append(
                        Loan(
                            copy_id=pk,
                            borrower=self.users[copy.borrower],
                            lent_on=days_from_today(-copy.lent_days_ago),
                            due_back=days_from_today(copy.due_in_days),  # the copy's own
                            renewals=copy.renewals,
                        )
                    )
            for past in demo.past_loans:
                pk = copy_id(demo.isbn, past.copy)
                if pk in self.new_copy_ids:
                    loans.append(
                        Loan(
                            copy_id=pk,
                            borrower=self.users[past.borrower],
                            lent_on=days_from_today(-past.lent_days_ago),
                            due_back=days_from_today(-past.due_days_ago),
                            returned_on=days_from_today(-past.returned_days_ago),
                            renewals=past.renewals,
                        )
                    )
        Loan.objects.bulk_create(loans)
        return len(loans)

    def load_holds(self):
        """The holds on the books this run made: in the queue, or ready with their copy."""
        now = timezone.now()
        holds = []
        for demo in self.library.books:
            if demo.isbn not in self.new_isbns:
                continue
            reserved = {
                copy.borrower: copy_id(demo.isbn, number)
                for number, copy in enumerate(demo.copies, start=1)
                if copy.status == Status.RESERVED
            }
            for hold in demo.holds:
                is_ready = hold.ready_days_ago is not None
                holds.append(
                    Hold(
                        book=self.books[demo.isbn],
                        patron=self.users[hold.patron],
                        placed_at=now - timedelta(days=hold.placed_days_ago),
                        copy_id=reserved[hold.patron] if is_ready else None,
                        ready_on=days_from_today(-hold.ready_days_ago) if is_ready else None,
                    )
                )
        Hold.objects.bulk_create(holds)
        return len(holds)

    # Accounts ------------------------------------------------------------------------

    def load_accounts(self):
        User = get_user_model()
        groups = {
            LIBRARIANS: self.get_group(LIBRARIANS, all_catalog_perms=True),
            LIBRARY_MEMBERS: self.get_group(LIBRARY_MEMBERS),
        }
        self.users, self.new_usernames = {}, set()
        for account in self.library.accounts:
            user = User.objects.filter(username=account.username).first()
            if user is None:
                user = self.create_account(User, account, groups)
                self.new_usernames.add(account.username)
            self.users[account.username] = user
        return len(self.new_usernames)

    @staticmethod
    def get_group(name, all_catalog_perms=False):
        """The group (made by migration 0002); if someone deleted it, made again."""
        group, is_new = Group.objects.get_or_create(name=name)
        if is_new and all_catalog_perms:
            group.permissions.set(Permission.objects.filter(content_type__app_label="catalog"))
        return group

    @staticmethod
    def create_account(User, account, groups):
        superuser, staff, group = ROLES[account.role]
        fields = dict(
            username=account.username,
            email=account.email,
            password=account.password,
            first_name=account.first_name,
            last_name=account.last_name,
        )
        if superuser:
            user = User.objects.create_superuser(**fields)
        else:
            user = User.objects.create_user(**fields, is_staff=staff)
        if group:
            user.groups.add(groups[group])
        return user

    # Report --------------------------------------------------------------------------

    def print_summary(self, created):
        today = timezone.localdate()
        copies = BookInstance.objects.filter(pk__in=self.copy_ids)
        on_loan = copies.filter(status=Status.ON_LOAN)
        by_status = {
            status.label: copies.filter(status=status).count()
            for status in (Status.AVAILABLE, Status.ON_LOAN, Status.RESERVED, Status.MAINTENANCE)
        }
        totals = {
            "books": len(self.library.books),
            "authors": len(self.library.authors),
            "genres": len(self.genres),
            "languages": len(self.languages),
            "copies": len(self.copy_ids),
            "accounts": len(self.library.accounts),
            "loans": sum(
                len(book.past_loans) + sum(copy.status == Status.ON_LOAN for copy in book.copies)
                for book in self.library.books
            ),
            "holds": sum(len(book.holds) for book in self.library.books),
        }
        write = self.stdout.write
        if any(created.values()):
            write(self.style.SUCCESS("Demo data loaded."))
        else:
            write(self.style.SUCCESS("Demo data already loaded: nothing was changed."))
        for name, total in totals.items():
            write(f"  {name.capitalize():<10} {total:>3}  ({created[name]} new)")
        write(
            "  Copies by status: "
            + ", ".join(f"{label.lower()} {count}" for label, count in by_status.items())
            + f"; {on_loan.filter(due_back__lt=today).count()} on loan are overdue."
        )
        holds = Hold.objects.active().filter(book__in=self.books.values())
        write(
            f"  Holds: {holds.filter(copy__isnull=False).count()} ready to collect,"
            f" {holds.filter(copy__isnull=True).count()} waiting in a queue."
        )
        write("")
        self.print_accounts()

    def print_accounts(self):
        write = self.stdout.write
        write("Demo accounts (log in at /accounts/login/):")
        rows = [("Username", "Password", "Can")]
        for account in self.library.accounts:
            user = self.users.get(account.username)
            if user is None:
                continue
            password = account.password
            if account.username not in self.new_usernames and not check_password(
                password, user.password
            ):
                password = "(changed since, not shown)"
            rows.append((account.username, password, account.can))
        widths = [max(len(row[i]) for row in rows) for i in (0, 1)]
        for username, password, can in rows:
            write(f"  {username:<{widths[0]}}  {password:<{widths[1]}}  {can}")

"""Fill the catalog with a small, real library and the demo accounts.

A fresh install (`make run`) then has pages worth looking at, and anyone can log in at once
as a patron or a librarian. The library itself is data: `demo_library.toml` beside this
file. Running the command again changes nothing: rows that exist are kept.
"""

import tomllib
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from catalog.models import LIBRARIANS, LIBRARY_MEMBERS, Author, Book, BookInstance, Genre, Language

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


# The records of the data file --------------------------------------------------------


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
    """A copy's state: its borrower (or who it is kept for) and due date offset."""

    status: str  # a Status value ("a", "o", ...); the file names it ("available", ...)
    borrower: str | None = None
    due_in_days: int | None = None  # from the library's today; negative = overdue


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
        if book.author not in authors:
            raise DemoDataError(f"Book {book.isbn}: no author with the key {book.author!r}.")
        for copy in book.copies:
            if copy.borrower is not None and copy.borrower not in usernames:
                raise DemoDataError(f"Book {book.isbn}: no account named {copy.borrower!r}.")
    return DemoLibrary(accounts, authors, books)


def read_book(entry):
    where = f"book {entry.get('isbn', '(no isbn)')}"
    copies = tuple(read_copy(where, copy) for copy in entry.get("copies", ()))
    return record(
        DemoBook, where, {**entry, "genres": tuple(entry.get("genres", ())), "copies": copies}
    )


def read_copy(where, entry):
    """A copy; its status named as in Status ("on_loan"), with what that status needs."""
    name = entry.get("status", "")
    if name.upper() not in Status.names:
        raise DemoDataError(
            f"A copy of {where}: status must be one of {Status.names} in lower case."
        )
    copy = record(DemoCopy, f"a copy of {where}", {**entry, "status": Status[name.upper()].value})
    needs_borrower = copy.status in (Status.ON_LOAN, Status.RESERVED)
    needs_due_date = copy.status == Status.ON_LOAN
    if (copy.borrower is not None) != needs_borrower or (
        copy.due_in_days is not None
    ) != needs_due_date:
        raise DemoDataError(
            f"A copy of {where}: a copy on loan has a borrower and due_in_days, a reserved"
            " copy a borrower only, any other copy neither."
        )
    return copy


def record(cls, where, entry):
    try:
        return cls(**entry)
    except TypeError as error:  # a missing or unknown key
        raise DemoDataError(f"{where.capitalize()}: {error}") from None


class Command(BaseCommand):
    help = (
        "Load a small demo library (real books, authors, copies and loans) and the"
        " demo accounts. Existing rows are never changed."
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
        self.books, created = {}, 0
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
                created += 1
            self.books[demo.isbn] = book
        return created

    def load_copies(self):
        today = timezone.localdate()
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
                    due_back=(
                        today + timedelta(days=copy.due_in_days)
                        if copy.due_in_days is not None
                        else None
                    ),
                )
        existing = set(BookInstance.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        new = [copy for pk, copy in wanted.items() if pk not in existing]
        BookInstance.objects.bulk_create(new)
        self.copy_ids = list(wanted)
        return len(new)

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

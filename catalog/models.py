"""The catalog's models (tutorial part 3), with the queries the pages need."""

import datetime
import operator
import uuid
from functools import reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, models
from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    UniqueConstraint,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from .search import index_lookups, search_words, word_forms

# The groups migration 0002 creates (the migration keeps its own frozen copy of the names).
LIBRARIANS = "Librarians"
LIBRARY_MEMBERS = "Library Members"


class Genre(models.Model):
    """A book genre (e.g. Science Fiction, Non Fiction)."""

    name = models.CharField(
        max_length=200,
        unique=True,
        help_text="Enter a book genre (e.g. Science Fiction, French Poetry etc.)",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            UniqueConstraint(
                Lower("name"),
                name="genre_name_case_insensitive_unique",
                violation_error_message="Genre already exists (case insensitive match)",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("genre-detail", args=[str(self.id)])


class Language(models.Model):
    """A natural language a book is written in."""

    name = models.CharField(
        max_length=200,
        unique=True,
        help_text="Enter the book's natural language (e.g. English, French, Japanese etc.)",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            UniqueConstraint(
                Lower("name"),
                name="language_name_case_insensitive_unique",
                violation_error_message="Language already exists (case insensitive match)",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("language-detail", args=[str(self.id)])


class BookQuerySet(models.QuerySet):
    def with_list_data(self):
        """What a list of books shows: the author, without a query per row."""
        return self.select_related("author")

    def with_detail_data(self):
        """What a book's page reads on every visit: the book, its author and its language.

        Its genres and copies are drawn in fragments cached under the catalog's version
        (book_detail.html), so they are read (one query each) only after the catalog changed.
        """
        return self.select_related("author", "language")

    def search(self, query):
        """Books matching every word of `query` in title, author, ISBN or genre.

        The words are looked up in the index (see catalog/search.py); on SQLite those shorter
        than three letters by the plain substring match, which gives the same results, slowly.
        """
        words = search_words(query)
        if not words:
            return self.none()
        lookups, plain_words = index_lookups(words, connections[self.db])
        matches = self
        for sql, params in lookups:
            matches = matches.filter(pk__in=RawSQL(sql, params))
        for word in plain_words:
            matches = matches.filter(
                reduce(operator.or_, (self._contains(form) for form in word_forms(word)))
            )
        return matches.with_list_data()

    @staticmethod
    def _contains(text):
        """The plain substring match of one word: title, author's names, ISBN or a genre."""
        # Genres through a subquery, not a join: a join per word would multiply each book's
        # rows by its genres once per word, and list a book once per genre. A correlated one,
        # so books the index already ruled out never reach it.
        in_genre = Book.genre.through.objects.filter(
            book_id=OuterRef("pk"), genre__name__icontains=text
        )
        return (
            Q(title__icontains=text)
            | Q(author__first_name__icontains=text)
            | Q(author__last_name__icontains=text)
            | Q(isbn__icontains=text)
            | Exists(in_genre)
        )


class Author(models.Model):
    """An author, with optional dates of birth and death."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_death = models.DateField("died", null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True)
                | Q(date_of_birth__isnull=True)
                | Q(date_of_death__gte=F("date_of_birth")),
                name="author_died_after_birth",
                violation_error_message="Date of death is before date of birth.",
            ),
        ]

    def __str__(self):
        return f"{self.last_name}, {self.first_name}"

    def get_absolute_url(self):
        return reverse("author-detail", args=[str(self.id)])

    def clean(self):
        if self.date_of_birth and self.date_of_death and self.date_of_death < self.date_of_birth:
            raise ValidationError({"date_of_death": "Date of death is before date of birth."})


class Book(models.Model):
    """A book (but not a specific copy of a book)."""

    title = models.CharField(max_length=200)
    author = models.ForeignKey("Author", on_delete=models.RESTRICT, null=True)
    summary = models.TextField(max_length=1000, help_text="Enter a brief description of the book")
    isbn = models.CharField(
        "ISBN",
        max_length=13,
        unique=True,
        help_text="13 Character ISBN number",
    )
    genre = models.ManyToManyField(Genre, help_text="Select a genre for this book")
    language = models.ForeignKey("Language", on_delete=models.SET_NULL, null=True, blank=True)

    objects = BookQuerySet.as_manager()

    class Meta:
        ordering = ["title", "author"]
        indexes = [models.Index(fields=["title", "author", "id"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("book-detail", args=[str(self.id)])

    def display_genre(self):
        """The first three genres, for the admin's list (prefetch `genre` there)."""
        return ", ".join(genre.name for genre in self.genre.all()[:3])

    display_genre.short_description = "Genre"


class BookInstanceQuerySet(models.QuerySet):
    def on_loan(self):
        """Copies out on loan, soonest due first, with their books (the lists of everyone's
        loans add the borrower: one's own list and the desk's know whose they are)."""
        return (
            self.filter(status=BookInstance.LoanStatus.ON_LOAN)
            .select_related("book")
            .order_by("due_back", "id")
        )


class BookInstance(models.Model):
    """A specific copy of a book (i.e. that can be borrowed from the library)."""

    class LoanStatus(models.TextChoices):
        MAINTENANCE = "m", "Maintenance"
        ON_LOAN = "o", "On loan"
        AVAILABLE = "a", "Available"
        RESERVED = "r", "Reserved"

    id = models.UUIDField(
        primary_key=True,
        default=uuid.uuid4,
        help_text="Unique ID for this particular book across whole library",
    )
    book = models.ForeignKey("Book", on_delete=models.RESTRICT)
    imprint = models.CharField(max_length=200)
    due_back = models.DateField(null=True, blank=True)
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    status = models.CharField(
        max_length=1,
        choices=LoanStatus.choices,
        blank=True,
        default=LoanStatus.MAINTENANCE,
        help_text="Book availability",
    )

    objects = BookInstanceQuerySet.as_manager()

    class Meta:
        ordering = ["due_back"]
        permissions = (("can_mark_returned", "Set book as returned"),)
        indexes = [
            models.Index(fields=["due_back", "id"]),
            models.Index(fields=["status", "due_back", "id"]),
            models.Index(fields=["borrower", "status", "due_back"]),
        ]

    def __str__(self):
        return f"{self.id} ({self.book.title})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"status", "due_back", "borrower"} & set(update_fields):
            self.keep_open_loan_in_step()

    def get_absolute_url(self):
        return reverse("bookinstance-detail", args=[str(self.id)])

    def clean(self):
        """A copy whose loan is open keeps a borrower and a due date: its loan needs both.

        Checked by every form of a copy (the site's and the admin's), before save() moves the
        open loan with the copy.
        """
        if self.status != self.LoanStatus.ON_LOAN or (self.borrower_id and self.due_back):
            return
        if Loan.objects.open().filter(copy_id=self.pk).exists():
            message = (
                "This copy is on loan: its loan needs a borrower and a due date. "
                "To end the loan, return the copy or choose another status."
            )
            empty = [name for name in ("borrower", "due_back") if not getattr(self, name)]
            raise ValidationError(dict.fromkeys(empty, message))

    def keep_open_loan_in_step(self):
        """While a loan is open, the copy and its loan say the same (one query).

        The desk's services move both together; an edit of the copy alone (its form, the
        admin) moves the loan with it: taken off loan, the loan ends today; a new due date
        or borrower (a mistake at the desk corrected) is the loan's too.
        """
        open_loans = Loan.objects.open().filter(copy=self)
        if self.status != self.LoanStatus.ON_LOAN:
            open_loans.update(returned_on=timezone.localdate())
            return
        changes = {"borrower_id": self.borrower_id, "due_back": self.due_back}
        changes = {field: value for field, value in changes.items() if value is not None}
        if changes:
            open_loans.exclude(**changes).update(**changes)

    @property
    def is_overdue(self):
        """Whether the due date has passed, by the library's local date."""
        return bool(self.due_back and timezone.localdate() > self.due_back)


def catalog_counts():
    """The home page's record counts, in one query however large the catalog."""
    # Raw SQL because it is measurably faster than the ORM's five count() queries: with
    # 20,000 books and 60,000 copies on SQLite, 2.4-3.0 ms against 4.9 ms (timeit, best of
    # 5x50), and one round trip to PostgreSQL instead of five. The ORM cannot put the
    # unrelated counts in one SELECT (aggregate() refuses subqueries; a FILTER count of
    # the copies scans the table: 6.8 ms).
    tables = {
        model.__name__: connection.ops.quote_name(model._meta.db_table)
        for model in (Book, BookInstance, Author, Genre)
    }
    status = connection.ops.quote_name("status")
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {tables['Book']}),"
        f" (SELECT COUNT(*) FROM {tables['BookInstance']}),"
        f" (SELECT COUNT(*) FROM {tables['BookInstance']} WHERE {status} = %s),"
        f" (SELECT COUNT(*) FROM {tables['Author']}),"
        f" (SELECT COUNT(*) FROM {tables['Genre']})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [BookInstance.LoanStatus.AVAILABLE])
        row = cursor.fetchone()
    names = ("num_books", "num_instances", "num_instances_available", "num_authors", "num_genres")
    return dict(zip(names, row, strict=True))


class SiteNoticeQuerySet(models.QuerySet):
    def current(self):
        """Active notices whose dates (if any) include the library's today."""
        today = timezone.localdate()
        return self.filter(
            Q(active=True),
            Q(starts_on__isnull=True) | Q(starts_on__lte=today),
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
        )


class SiteNotice(models.Model):
    """A message shown at the top of every page until the visitor dismisses it."""

    text = models.TextField(max_length=500)
    active = models.BooleanField(default=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    objects = SiteNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.text[:60]

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The notice would end before it starts."})


# Circulation (issues 14 and 15): loans, holds and the daily reminders' memory.
LOAN_PERIOD = datetime.timedelta(weeks=3)
MAX_LOAN_AHEAD = datetime.timedelta(weeks=4)
MAX_PATRON_RENEWALS = 2
HOLD_READY_DAYS = 7
MAX_ACTIVE_HOLDS = 5
REMINDER_DAYS_AHEAD = 2


class LoanQuerySet(models.QuerySet):
    def open(self):
        return self.filter(returned_on__isnull=True)

    def returned(self):
        return self.filter(returned_on__isnull=False)

    def overdue(self, today=None):
        """Open loans due before the library's today."""
        return self.open().filter(due_back__lt=today or timezone.localdate())


class Loan(models.Model):
    """One lending of one copy: kept after the return, so the library remembers its loans."""

    copy = models.ForeignKey(BookInstance, on_delete=models.CASCADE, related_name="loans")
    # SET_NULL: deleting a person keeps the library's loan counts, anonymised.
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loans",
    )
    lent_on = models.DateField()
    due_back = models.DateField()
    returned_on = models.DateField(null=True, blank=True)
    renewals = models.PositiveIntegerField(default=0)

    objects = LoanQuerySet.as_manager()

    class Meta:
        ordering = ["-lent_on", "-id"]
        constraints = [
            # The database itself refuses a second open loan of a copy (two desks at once).
            UniqueConstraint(
                fields=["copy"],
                condition=Q(returned_on__isnull=True),
                name="one_open_loan_per_copy",
            ),
        ]
        indexes = [
            models.Index(fields=["copy", "-lent_on", "-id"], name="loan_copy_history_idx"),
            models.Index(fields=["borrower", "-lent_on", "-id"], name="loan_borrower_history_idx"),
            models.Index(fields=["lent_on"], name="loan_lent_on_idx"),
            models.Index(
                fields=["due_back"],
                condition=Q(returned_on__isnull=True),
                name="loan_open_due_back_idx",
            ),
        ]

    def __str__(self):
        return f"{self.copy_id} lent on {self.lent_on}"

    @property
    def is_open(self):
        return self.returned_on is None

    @property
    def is_overdue(self):
        return self.returned_on is None and timezone.localdate() > self.due_back


class HoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)

    def book_figures(self, book, patron=None):
        """(holds waiting for `book`, `patron`'s active holds on it), in one query.

        The book's page asks on every visit: through a cursor, as building the same
        aggregate with the ORM costs some thirty times what the database spends on it.
        Active means not ended, as in active(); waiting means no copy set aside yet.
        """
        sql = (
            "SELECT COALESCE(SUM(CASE WHEN copy_id IS NULL THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN patron_id = %s THEN 1 ELSE 0 END), 0)"
            f" FROM {self.model._meta.db_table} WHERE ended_on IS NULL AND book_id = %s"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [patron.pk if patron is not None else None, book.pk])
            return cursor.fetchone()

    def waiting(self):
        """Active holds still in the queue (no copy set aside yet)."""
        return self.active().filter(copy__isnull=True)

    def ready(self):
        """Active holds with a copy set aside, waiting to be collected."""
        return self.active().filter(copy__isnull=False)

    def queue(self):
        """Waiting holds in the queue's order: the oldest first."""
        return self.waiting().order_by("placed_at", "id")

    def uncollected(self, today):
        """Ready holds past their last day (`ready_until` before `today`): they expire."""
        last_ready_on = today - datetime.timedelta(days=HOLD_READY_DAYS + 1)
        return self.ready().filter(ready_on__lte=last_ready_on)

    def with_queue_place(self):
        """Annotate `queue_place`: 1 for the next waiting hold on its book, 2 after it, ...

        One correlated subquery (on the queue's index), so a list costs the same per row.
        Ready holds get a number too: pages show it only for holds still waiting. Written as
        SQL: the ORM took about 1 ms per page to build it as a Subquery, the database a few
        microseconds to run it. "Waiting" as in waiting(): not ended, no copy set aside.
        """
        table = self.model._meta.db_table
        ahead = (
            f"SELECT COUNT(*) FROM {table} ahead"
            " WHERE ahead.ended_on IS NULL AND ahead.copy_id IS NULL"
            f" AND ahead.book_id = {table}.book_id"
            f" AND (ahead.placed_at < {table}.placed_at"
            f" OR (ahead.placed_at = {table}.placed_at AND ahead.id < {table}.id))"
        )
        return self.annotate(
            queue_place=RawSQL(f"1 + ({ahead})", [], output_field=models.IntegerField())
        )

    def with_queue_position(self):
        """Annotate `queue_position` (1 = next) on waiting holds; None on ready or ended ones."""
        return self.with_queue_place().annotate(
            queue_position=Case(
                When(ended_on__isnull=True, copy__isnull=True, then=F("queue_place")),
                default=None,
                output_field=models.IntegerField(),
            )
        )


class Hold(models.Model):
    """A patron's place in the queue for a book; once ready, the copy set aside for them."""

    class EndReason(models.TextChoices):
        FULFILLED = "fulfilled", "Fulfilled"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="holds")
    patron = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="holds"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    copy = models.ForeignKey(
        BookInstance, on_delete=models.SET_NULL, null=True, blank=True, related_name="holds"
    )
    ready_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True, default="")

    objects = HoldQuerySet.as_manager()

    class Meta:
        ordering = ["placed_at", "id"]
        constraints = [
            UniqueConstraint(
                fields=["book", "patron"],
                condition=Q(ended_on__isnull=True),
                name="one_active_hold_per_patron_per_book",
            ),
            UniqueConstraint(
                fields=["copy"],
                condition=Q(ended_on__isnull=True, copy__isnull=False),
                name="one_active_hold_per_copy",
            ),
        ]
        indexes = [
            # The next waiting hold of a book; ready holds older than 7 days.
            models.Index(
                fields=["book", "placed_at", "id"],
                condition=Q(ended_on__isnull=True, copy__isnull=True),
                name="hold_waiting_queue_idx",
            ),
            models.Index(
                fields=["ready_on"],
                condition=Q(ended_on__isnull=True),
                name="hold_active_ready_on_idx",
            ),
            models.Index(
                fields=["patron", "placed_at"],
                condition=Q(ended_on__isnull=True),
                name="hold_active_patron_idx",
            ),
        ]

    def __str__(self):
        return f"Hold {self.pk} on book {self.book_id} for user {self.patron_id}"

    @property
    def is_active(self):
        return self.ended_on is None

    @property
    def is_ready(self):
        return self.ended_on is None and self.copy_id is not None

    @property
    def ready_until(self):
        """The last day the set-aside copy waits (it expires from the day after)."""
        if self.ready_on is None:
            return None
        return self.ready_on + datetime.timedelta(days=HOLD_READY_DAYS)


class ReminderSent(models.Model):
    """That a borrower got today's reminder: at most one a day, however often the job runs."""

    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    sent_on = models.DateField()

    class Meta:
        constraints = [
            # sent_on first: the daily job looks up today's rows, and prunes old ones, by it.
            UniqueConstraint(fields=["sent_on", "borrower"], name="one_reminder_per_borrower_a_day")
        ]

    def __str__(self):
        return f"Reminder to user {self.borrower_id} on {self.sent_on}"

"""Fill the catalog with a large, believable, made-up library, fast (for benchmarks).

    python manage.py seed_catalog --books 100000

Each book gets an author, a plausible title and summary, a valid ISBN-13 (prefix 979-8,
unique across runs), one to three genres, a language and three copies in mixed statuses;
copies on loan go to a few seeded patrons (`seed-reader-01` ...; they cannot log in), each
with its open Loan. The same --seed gives the same library. Rows go in with bulk inserts,
in one transaction: a run adds everything or nothing.

It is separate from the small demo library (`load_demo_data`) and adds to it. To protect a
real library's database, it refuses to run when the catalog already holds more books than
a demo library would (REAL_CATALOG_BOOKS), unless --force is given.
"""

import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from tqdm import tqdm

from catalog.models import (
    LIBRARY_MEMBERS,
    LOAN_PERIOD,
    Author,
    Book,
    BookInstance,
    Genre,
    Language,
    Loan,
)

Status = BookInstance.LoanStatus

# More books than this and the catalog is someone's real (or already seeded) library.
REAL_CATALOG_BOOKS = 1000
COPIES_PER_BOOK = 3
BATCH_BOOKS = 2000
# A few authors have many books (a fixed number, so their page costs the same at any
# size of catalog), the rest one to a handful each.
PROLIFIC_AUTHORS = 5
PROLIFIC_BOOKS = 60
BOOKS_PER_AUTHOR = 5
READERS = 20

GENRES = [
    "Fantasy", "Science Fiction", "Mystery", "Thriller", "Romance", "Historical Fiction",
    "Horror", "Poetry", "Biography", "History", "Travel", "Cookery", "Philosophy",
    "Children's", "Young Adult", "Graphic Novel", "Science", "Crime", "Humour", "Essays",
]  # fmt: skip
LANGUAGES = [
    "English", "French", "German", "Spanish", "Italian", "Portuguese", "Dutch", "Japanese",
]  # fmt: skip
# Most books are in the first languages: weights in the same order.
LANGUAGE_WEIGHTS = [60, 10, 8, 8, 5, 4, 3, 2]
FIRST_NAMES = [
    "Ada", "Alan", "Amara", "Anna", "Arthur", "Beatriz", "Camille", "Chen", "Clara", "Daniel",
    "Dmitri", "Edith", "Elena", "Emil", "Fatima", "Felix", "Grace", "Hannah", "Haruki", "Ines",
    "Isaac", "Jamal", "Jane", "Johan", "Julia", "Kofi", "Leila", "Leo", "Lucia", "Malik",
    "Margaret", "Marta", "Mateo", "Mei", "Nadia", "Nora", "Olga", "Omar", "Paul", "Priya",
    "Rosa", "Samuel", "Sofia", "Tomas", "Ursula", "Victor", "Wen", "Yara", "Yusuf", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Abara", "Achterberg", "Almeida", "Andersen", "Bauer", "Bellamy", "Brennan", "Castillo",
    "Chandra", "Costa", "Dubois", "Eriksen", "Fairweather", "Ferreira", "Fischer", "Gallo",
    "Greenwood", "Haddad", "Hartley", "Ibsen", "Ishikawa", "Jansen", "Kamara", "Kowalski",
    "Lambert", "Larsen", "Lindqvist", "Marchetti", "Moreau", "Nakamura", "Novak", "Okafor",
    "Olsen", "Petrov", "Quinn", "Rahman", "Rossi", "Santos", "Schmidt", "Silva", "Sorensen",
    "Tanaka", "Thornton", "Ueda", "Varga", "Vasquez", "Weber", "Whitaker", "Young", "Zimmer",
]  # fmt: skip
ADJECTIVES = [
    "Silent", "Hidden", "Last", "Burning", "Forgotten", "Golden", "Broken", "Distant",
    "Winter", "Secret", "Lost", "Crimson", "Quiet", "Endless", "Northern", "Wandering",
    "Glass", "Iron", "Paper", "Midnight", "Summer", "Salt", "Hollow", "Bright",
]  # fmt: skip
NOUNS = [
    "Garden", "River", "House", "Map", "Orchard", "Lighthouse", "Kingdom", "Letter",
    "Harbour", "Clockmaker", "Library", "Mountain", "Island", "Bridge", "Forest", "Tide",
    "Cartographer", "Station", "Archive", "Voyage", "Sparrow", "Crown", "Road", "Song",
]  # fmt: skip
PLACES = [
    "Avalon", "the North", "Lisbon", "the Marsh", "Kyoto", "the Valley", "Samarkand",
    "the Coast", "Prague", "the Steppe", "Alexandria", "the Fens", "Valparaiso", "Orkney",
]  # fmt: skip
TITLE_PATTERNS = [
    "The {adj} {noun}",
    "The {noun} of {place}",
    "A {noun} in {place}",
    "{adj} {noun}s",
    "The {noun}'s Daughter",
    "Beyond the {adj} {noun}",
    "Letters from {place}",
    "The {adj} Year",
]
SUMMARY_OPENINGS = [
    "A sweeping story of", "A quiet, funny account of", "An unforgettable tale of",
    "A meticulous history of", "A gripping journey through", "A tender portrait of",
]  # fmt: skip
SUMMARY_SUBJECTS = [
    "two families divided by a river", "a town that forgets one day every year",
    "the last keeper of a northern lighthouse", "a map that redraws itself",
    "a detective who cannot read faces", "the winter the harbour froze",
    "a library that lends out memories", "three sisters and a failing orchard",
]  # fmt: skip
PUBLISHERS = [
    "Harbour Press", "Northwind Books", "Meridian House", "Blue Door Publishing",
    "Kestrel & Finch", "Lantern Editions", "Old Quay Books", "Solstice Press",
]  # fmt: skip
# Copy statuses, weighted: most copies are on the shelf, a fifth out on loan.
STATUSES = [Status.AVAILABLE, Status.ON_LOAN, Status.MAINTENANCE, Status.RESERVED]
STATUS_WEIGHTS = [60, 20, 10, 10]

# ISBN bodies come from a bijection of the book's number (so they look scattered but
# never repeat): 979-8 + the 8-digit image of the number + the check digit.
ISBN_PREFIX = "9798"
ISBN_SPACE = 10**8
ISBN_MULTIPLIER = 48271  # coprime with 10**8


def isbn13_check_digit(first_twelve):
    """The ISBN-13 check digit of a 12-digit string."""
    total = sum(int(digit) * (3 if i % 2 else 1) for i, digit in enumerate(first_twelve))
    return str((10 - total % 10) % 10)


def seeded_isbn(number):
    """The ISBN-13 of the seeded book `number` (0, 1, ...): valid, and unique per number."""
    body = ISBN_PREFIX + f"{(number * ISBN_MULTIPLIER + 7919) % ISBN_SPACE:08d}"
    return body + isbn13_check_digit(body)


@dataclass
class SeedRun:
    """What one run draws from: its random streams, its today and the rows books point to."""

    rng: random.Random
    # Copy ids come from their own stream: a second run with the same seed gets new ones.
    id_rng: random.Random
    today: date
    first_number: int  # books seeded before: numbers (and so ISBNs) continue after them
    genres: list[Genre]
    languages: list[Language]
    readers: list
    prolific_authors: list[Author] = field(default_factory=list)
    other_authors: list[Author] = field(default_factory=list)


class Command(BaseCommand):
    help = "Fill the catalog with N made-up books (3 copies each) for load tests."

    def add_arguments(self, parser):
        parser.add_argument(
            "--books",
            type=int,
            default=10_000,
            help="how many books to add (default 10,000; copies are 3 per book)",
        )
        parser.add_argument(
            "--seed", type=int, default=2024, help="the same seed gives the same library"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=f"add books even to a catalog that has more than {REAL_CATALOG_BOOKS:,}",
        )

    def handle(self, *args, books, seed, force, **options):
        if books < 1:
            raise CommandError("--books must be at least 1.")
        existing = Book.objects.count()
        if existing > REAL_CATALOG_BOOKS and not force:
            raise CommandError(
                f"The catalog already has {existing:,} books (more than a demo library): "
                "seed_catalog adds made-up books, so it refuses to touch what may be a real "
                "library. Use an empty database, or add --force to add them anyway."
            )
        # A bar on a terminal; nothing in a log file or a test (disable=None: not a tty).
        progress = tqdm(
            total=books,
            unit=" books",
            file=options.get("stderr") or sys.stderr,
            disable=None if options["verbosity"] > 0 else True,
        )
        started = time.monotonic()
        if connection.vendor == "sqlite":
            # One large transaction: a bigger page cache keeps SQLite from spilling it.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB, this connection
        with progress, transaction.atomic():
            run = self.start_run(seed)
            authors = self.create_authors(run, books)
            copies = self.create_books(run, books, progress)
        self.stdout.write(
            f"Added {books:,} books, {copies:,} copies and {authors:,} authors "
            f"in {time.monotonic() - started:.1f}s."
        )

    def start_run(self, seed):
        """The run's state, with the genres, languages and readers its books need."""
        first_number = Book.objects.filter(isbn__startswith=ISBN_PREFIX).count()
        return SeedRun(
            rng=random.Random(seed),
            id_rng=random.Random(f"{seed}-{first_number}"),
            today=timezone.localdate(),
            first_number=first_number,
            genres=self.get_or_create_named(Genre, GENRES),
            languages=self.get_or_create_named(Language, LANGUAGES),
            readers=self.get_or_create_readers(),
        )

    @staticmethod
    def get_or_create_named(model, names):
        """The genres (or languages) by these names, created when missing."""
        found = {
            row.name.lower(): row
            for row in model.objects.annotate(lower=Lower("name")).filter(
                lower__in=[name.lower() for name in names]
            )
        }
        missing = [model(name=name) for name in names if name.lower() not in found]
        model.objects.bulk_create(missing)
        found.update({row.name.lower(): row for row in missing})
        return [found[name.lower()] for name in names]

    @staticmethod
    def get_or_create_readers():
        """A few patrons who have copies on loan (no password: nobody logs in as them)."""
        user_model = get_user_model()
        names = [f"seed-reader-{n:02d}" for n in range(1, READERS + 1)]
        existing = {u.username: u for u in user_model.objects.filter(username__in=names)}
        members = Group.objects.filter(name=LIBRARY_MEMBERS).first()
        readers = []
        for name in names:
            reader = existing.get(name)
            if reader is None:
                reader = user_model(username=name, first_name="Seeded", last_name="Reader")
                reader.set_unusable_password()
                reader.save()
                if members:
                    reader.groups.add(members)
            readers.append(reader)
        return readers

    @staticmethod
    def create_authors(run, books):
        """A few prolific authors, then one for every BOOKS_PER_AUTHOR books; return how many."""
        rng = run.rng
        authors = []
        for _ in range(PROLIFIC_AUTHORS + max(1, books // BOOKS_PER_AUTHOR)):
            born = date(1900, 1, 1) + timedelta(days=rng.randrange(100 * 365))
            died = None
            if rng.random() < 0.3:
                died = born + timedelta(days=rng.randrange(40 * 365, 90 * 365))
            authors.append(
                Author(
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    date_of_birth=born if rng.random() < 0.9 else None,
                    date_of_death=died if died and died < date(2024, 1, 1) else None,
                )
            )
        Author.objects.bulk_create(authors, batch_size=BATCH_BOOKS)
        run.prolific_authors = authors[:PROLIFIC_AUTHORS]
        run.other_authors = authors[PROLIFIC_AUTHORS:]
        return len(authors)

    def create_books(self, run, total, progress):
        """Create the books, their genres, copies and open loans in batches; return the copies."""
        rng = run.rng
        through = Book.genre.through
        copies_made = 0
        for start in range(0, total, BATCH_BOOKS):
            batch = [
                self.make_book(run, number)
                for number in range(start, min(start + BATCH_BOOKS, total))
            ]
            Book.objects.bulk_create(batch)
            links, copies = [], []
            for book in batch:
                for genre in rng.sample(run.genres, rng.randint(1, 3)):
                    links.append(through(book_id=book.pk, genre_id=genre.pk))
                for _ in range(COPIES_PER_BOOK):
                    copies.append(self.make_copy(run, book))
            through.objects.bulk_create(links)
            BookInstance.objects.bulk_create(copies)
            Loan.objects.bulk_create(
                self.make_open_loan(run, copy) for copy in copies if copy.status == Status.ON_LOAN
            )
            copies_made += len(copies)
            progress.update(len(batch))
        return copies_made

    @staticmethod
    def make_book(run, number):
        """Book `number` of this run (not saved): the first ones go to the prolific authors."""
        rng = run.rng
        if number < PROLIFIC_AUTHORS * PROLIFIC_BOOKS:
            author = run.prolific_authors[number % PROLIFIC_AUTHORS]
        else:
            author = rng.choice(run.other_authors)
        pattern = rng.choice(TITLE_PATTERNS)
        title = pattern.format(
            adj=rng.choice(ADJECTIVES), noun=rng.choice(NOUNS), place=rng.choice(PLACES)
        )
        return Book(
            title=title,
            author=author,
            summary=f"{rng.choice(SUMMARY_OPENINGS)} {rng.choice(SUMMARY_SUBJECTS)}.",
            isbn=seeded_isbn(run.first_number + number),
            language=rng.choices(run.languages, LANGUAGE_WEIGHTS)[0],
        )

    @staticmethod
    def make_open_loan(run, copy):
        """The open loan of a copy on loan (not saved): it says what the copy says."""
        return Loan(
            copy_id=copy.pk,
            borrower_id=copy.borrower_id,
            # Lent a loan period before it is due; one due in 4 weeks was lent today.
            lent_on=min(run.today, copy.due_back - LOAN_PERIOD),
            due_back=copy.due_back,
        )

    @staticmethod
    def make_copy(run, book):
        """A copy of `book` (not saved) in a weighted status; a fifth are out on loan."""
        rng = run.rng
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        borrower = due_back = None
        if status == Status.ON_LOAN:
            borrower = rng.choice(run.readers)
            due_back = run.today + timedelta(days=rng.randint(-14, 28))  # some overdue
        elif status == Status.RESERVED and rng.random() < 0.5:
            borrower = rng.choice(run.readers)
        return BookInstance(
            id=uuid.UUID(int=run.id_rng.getrandbits(128), version=4),
            book_id=book.pk,
            imprint=f"{rng.choice(PUBLISHERS)}, {rng.randint(1950, 2024)}",
            status=status,
            due_back=due_back,
            borrower_id=borrower.pk if borrower else None,
        )

"""The catalog as a CSV file: read and check it, import it, write it back out (issue 16).

A library arrives with its catalog in a spreadsheet and may leave with it: one format, the
contract's columns, goes both ways. Importing is all or nothing: every bad row is reported
by its line number (the header is line 1, as a spreadsheet numbers its rows) and nothing
is written until the whole file is good. Lookups and writes are bulk, in batches, so the
queries of an import grow with the batches, never with the rows.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Lower
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength

from .models import Author, Book, BookInstance, Genre, Language

COLUMNS = [
    "title",
    "author_last_name",
    "author_first_name",
    "isbn",
    "genres",
    "language",
    "summary",
    "copies",
]
REQUIRED_COLUMNS = ["title", "author_last_name", "isbn"]
GENRE_SEPARATOR = ";"

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# A row asks for at most this many copies: a typo (1000 for 10) should not fill the shelves.
MAX_COPIES = 100
# Rows per lookup query and per bulk insert: well under SQLite's limit on query parameters.
BATCH_SIZE = 500
# The export reads this many books per query (with their genres in one more query).
EXPORT_CHUNK = 1000
# Lengths the models (and their forms) allow.
MAX_LENGTHS = {
    "title": 200,
    "author_last_name": 100,
    "author_first_name": 100,
    "genre": 200,
    "language": 200,
    "summary": 1000,
}

# A spreadsheet runs a cell that starts with one of these as a formula.
# The contract's four, and the tab and carriage return OWASP adds (a spreadsheet skips them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FILE_TOO_LARGE = "The file is larger than 5 MiB. Split it into smaller files and import each."
TOO_MANY_ROWS = (
    f"The file has more than {MAX_ROWS:,} books. Split it into smaller files and import each."
)
EMPTY_FILE = "The file is empty: it needs a header line and one line per book."
NOT_UTF8 = (
    "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and import it again."
)
NOT_TEXT = "The file holds NUL bytes, so it is not a CSV text file. Export it as CSV UTF-8."
NOT_CSV = "The file could not be read as CSV (row {row}: {error}). Export it as CSV UTF-8."
MISSING_COLUMNS = "The header line lacks the column(s) {columns}. The import needs: {needed}."
UNKNOWN_COLUMNS = (
    "The header line has {count} column(s) the import does not know: {columns}. "
    "It reads these columns: {known}."
)
REPEATED_COLUMNS = "The header line names the column(s) {columns} more than once."
BAD_ROWS = "Rows with problems: {count}. Fix them and import the file again."
CATALOG_CHANGED = (
    "The catalog changed while the file was being imported (another librarian added one "
    "of its ISBNs). Import the file again."
)
INVALID_ISBN = "Enter a valid ISBN-10 or ISBN-13: {reason}."


class ImportRefused(Exception):
    """The file cannot be imported; `message` says why, `row_errors` lists bad rows."""

    def __init__(self, message, row_errors=()):
        super().__init__(message)
        self.message = message
        self.row_errors = list(row_errors)  # (line number, reason) pairs


@dataclass
class BookRow:
    """One checked row of the file."""

    line: int
    title: str
    author_last_name: str
    author_first_name: str
    isbn: str  # ISBN-13, digits only
    genres: list
    language: str
    summary: str
    copies: int


@dataclass
class ImportResult:
    """What an import did, for the page and the command to report."""

    books: int = 0
    copies: int = 0
    authors: int = 0
    genres: int = 0
    languages: int = 0
    skipped: list = field(default_factory=list)  # the BookRows whose ISBN was already there


# ISBNs: checked by their check digit, stored as ISBN-13 (forms and the import only).


def normalize_isbn(value):
    """The ISBN-13 (digits only) of an ISBN-10 or ISBN-13 typed with hyphens or spaces.

    Raises ValidationError with a message a librarian can act on.
    """
    value = (value or "").strip()
    try:
        return stdnum_isbn.validate(value, convert=True)
    except InvalidChecksum:
        reason = f"the check digit of “{value}” is wrong (a typo?)"
    except InvalidLength:
        length = len(stdnum_isbn.compact(value))
        reason = f"“{value}” has {length} characters, not 10 or 13"
    except InvalidComponent:
        reason = f"“{value}” does not start with 978 or 979"
    except Exception:  # stdnum's InvalidFormat, or anything else it refuses
        reason = (
            f"“{value}” is not an ISBN (digits, with hyphens or spaces, and X as the "
            "last character of an ISBN-10)"
        )
    raise ValidationError(INVALID_ISBN.format(reason=reason), code="invalid_isbn")


def isbn_spellings(isbn13):
    """How an ISBN-13 may already be stored: as itself, or as its ISBN-10."""
    spellings = [isbn13]
    if isbn13.startswith("978"):
        spellings.append(stdnum_isbn.to_isbn10(isbn13))
    return spellings


# Formula cells: escaped on the way out, read back unchanged.


def escape_cell(value):
    """A cell a spreadsheet will show as text: a formula-like value gets a leading `'`.

    Values that already start with quotes before such a character get one more, so that
    reading the cell back (unescape_cell) gives exactly the value that was written.
    """
    value = str(value)
    if value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value):
    """The value of a cell escaped by escape_cell (or by a spreadsheet user, the same way)."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


# Reading: bytes -> checked rows, or ImportRefused.


def read_catalog(data, progress=None):
    """The checked rows of a catalog file (bytes); ImportRefused if anything is wrong.

    `progress(items, description)`, when given, wraps the loops that grow with the file
    (the command passes a progress bar).
    """
    text = decode(data)
    records = parse_records(text)
    header, records = records[0], records[1:]
    columns = check_header(header)
    rows, errors, first_line_of_isbn = [], [], {}
    for line, record in progress(records, "Checking rows") if progress else records:
        row, reasons = check_record(line, record, columns)
        if row and row.isbn in first_line_of_isbn:
            reasons.append(f"the ISBN {row.isbn} is also on line {first_line_of_isbn[row.isbn]}")
        elif row:
            first_line_of_isbn[row.isbn] = line
        if reasons:
            errors.append((line, " ".join(as_sentence(reason) for reason in reasons)))
        else:
            rows.append(row)
    if errors:
        raise ImportRefused(BAD_ROWS.format(count=len(errors)), errors)
    return rows


def as_sentence(reason):
    return reason[:1].upper() + reason[1:].rstrip(".") + "."


def decode(data):
    """The file's text: UTF-8 (a byte order mark is fine), no NUL bytes, within the limit."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(FILE_TOO_LARGE)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(NOT_UTF8)  # UTF-16, "Unicode text" in some spreadsheets
    if b"\x00" in data:
        raise ImportRefused(NOT_TEXT)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(NOT_UTF8) from None
    if not text.strip():
        raise ImportRefused(EMPTY_FILE)
    return text


def parse_records(text):
    """The header, then (line number, cells) of each non-blank row; at most MAX_ROWS rows.

    The delimiter is the comma, or the semicolon or tab when the header uses one of those
    instead (spreadsheets in some countries save CSV that way).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=guess_delimiter(text))
    records, line = [], 0
    try:
        for line, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue  # a blank row, before the header or between books
            if len(records) > MAX_ROWS:
                raise ImportRefused(TOO_MANY_ROWS)
            records.append((line, cells) if records else cells)
    except csv.Error as error:
        raise ImportRefused(NOT_CSV.format(row=line + 1, error=error)) from None
    return records


def guess_delimiter(text):
    """The header's delimiter: the one that splits the first line into most known columns."""
    lines = (line for line in io.StringIO(text) if line.strip())
    first_line = next(lines, "")[:10_000]
    best, best_known = ",", 0
    for delimiter in (",", ";", "\t"):
        cells = {cell.strip().lower() for cell in first_line.split(delimiter)}
        known = len(cells & set(COLUMNS))
        if known > best_known:
            best, best_known = delimiter, known
    return best


def check_header(header):
    """The column names of the header line, in order; ImportRefused if they do not fit."""
    columns = [cell.strip().lower() for cell in header]
    while columns and not columns[-1]:
        columns.pop()  # spreadsheets may add empty columns at the end
    if not columns:
        raise ImportRefused(EMPTY_FILE)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        shown = ", ".join(f"“{name[:40]}”" for name in unknown[:5])
        if len(unknown) > 5:
            shown += f" and {len(unknown) - 5:,} more"
        raise ImportRefused(
            UNKNOWN_COLUMNS.format(
                count=f"{len(unknown):,}", columns=shown, known=", ".join(COLUMNS)
            )
        )
    if missing:
        raise ImportRefused(
            MISSING_COLUMNS.format(columns=", ".join(missing), needed=", ".join(REQUIRED_COLUMNS))
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise ImportRefused(REPEATED_COLUMNS.format(columns=", ".join(repeated)))
    return columns


def check_record(line, cells, columns):
    """The BookRow of one record and the reasons it is bad (a row only when there are none)."""
    extra = cells[len(columns) :]
    if any(cell.strip() for cell in extra):
        return None, [f"the row has {len(cells):,} cells; the header names {len(columns)} columns"]
    values = {name: "" for name in COLUMNS}
    for name, cell in zip(columns, cells, strict=False):
        values[name] = unescape_cell(cell.strip())
    reasons = []
    for name in REQUIRED_COLUMNS:
        if not values[name]:
            reasons.append(f"{name} is empty")
    for name in ("title", "author_last_name", "author_first_name", "language", "summary"):
        if len(values[name]) > MAX_LENGTHS[name]:
            reasons.append(f"{name} is longer than {MAX_LENGTHS[name]} characters")
    isbn = ""
    if values["isbn"]:
        try:
            isbn = normalize_isbn(values["isbn"])
        except ValidationError as error:
            reasons.append(error.messages[0])
    genres = {}
    for name in values["genres"].split(GENRE_SEPARATOR):
        name = name.strip()
        if len(name) > MAX_LENGTHS["genre"]:
            reasons.append(f"a genre is longer than {MAX_LENGTHS['genre']} characters")
        elif name:
            genres.setdefault(name.lower(), name)
    copies = 0
    if values["copies"]:
        try:
            copies = int(values["copies"])
        except ValueError:
            copies = -1
        if not 0 <= copies <= MAX_COPIES:
            shown = values["copies"][:20]
            reasons.append(f"copies “{shown}” is not a whole number from 0 to {MAX_COPIES}")
    if reasons:
        return None, reasons
    row = BookRow(
        line=line,
        title=values["title"],
        author_last_name=values["author_last_name"],
        author_first_name=values["author_first_name"],
        isbn=isbn,
        genres=list(genres.values()),
        language=values["language"],
        summary=values["summary"],
        copies=copies,
    )
    return row, []


# Importing: checked rows -> the database, in one transaction.


def import_books(rows, progress=None):
    """Add the rows' books, copies, authors, genres and languages; skip ISBNs already there.

    All or nothing: ImportRefused (and nothing written) if the database refuses a row
    because another librarian added the same ISBN meanwhile.
    """
    try:
        with transaction.atomic():
            return write_books(rows, progress)
    except IntegrityError:
        raise ImportRefused(CATALOG_CHANGED) from None


def import_file(data, progress=None):
    """Read, check and import a catalog file (bytes) in one go."""
    return import_books(read_catalog(data, progress), progress)


def batches(items, size=BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_books(rows, progress):
    result = ImportResult()
    existing = existing_isbns([row.isbn for row in rows])
    new_rows = []
    for row in rows:
        if existing & set(isbn_spellings(row.isbn)):
            result.skipped.append(row)
        else:
            new_rows.append(row)
    if not new_rows:
        return result
    authors, result.authors = find_or_create_authors(new_rows)
    genres, result.genres = find_or_create_named(Genre, [g for r in new_rows for g in r.genres])
    languages, result.languages = find_or_create_named(
        Language, [r.language for r in new_rows if r.language]
    )
    through = Book.genre.through
    chunks = list(batches(new_rows))
    for chunk in progress(chunks, "Writing books") if progress else chunks:
        books = [
            Book(
                title=row.title,
                author=authors[author_key(row.author_last_name, row.author_first_name)],
                summary=row.summary,
                isbn=row.isbn,
                language=languages[row.language.lower()] if row.language else None,
            )
            for row in chunk
        ]
        Book.objects.bulk_create(books)
        links, copies = [], []
        for row, book in zip(chunk, books, strict=True):
            links += [through(book_id=book.pk, genre_id=genres[g.lower()].pk) for g in row.genres]
            copies += [
                BookInstance(book_id=book.pk, status=BookInstance.LoanStatus.AVAILABLE)
                for _ in range(row.copies)
            ]
        through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        BookInstance.objects.bulk_create(copies, batch_size=BATCH_SIZE)
        result.books += len(books)
        result.copies += len(copies)
    return result


def existing_isbns(isbns):
    """Which of these ISBN-13s (or their ISBN-10s) the catalog holds, a batch per query."""
    spellings = [spelling for isbn in isbns for spelling in isbn_spellings(isbn)]
    found = set()
    for chunk in batches(spellings):
        found.update(Book.objects.filter(isbn__in=chunk).values_list("isbn", flat=True))
    return found


def author_key(last_name, first_name):
    return (last_name.lower(), first_name.lower())


def find_or_create_authors(rows):
    """Each row's author by name (case-insensitive), created when missing; and how many new."""
    names = {}
    for row in rows:
        names.setdefault(author_key(row.author_last_name, row.author_first_name), row)
    last_names = sorted({row.author_last_name for row in names.values()})
    found = {}
    for chunk in batches(last_names):
        lowered = [name.lower() for name in chunk]
        matches = (
            Author.objects.annotate(lower_last_name=Lower("last_name"))
            .filter(Q(lower_last_name__in=lowered) | Q(last_name__in=chunk))
            .order_by("pk")
        )
        for author in matches:
            found.setdefault(author_key(author.last_name, author.first_name), author)
    missing = [
        Author(last_name=row.author_last_name, first_name=row.author_first_name)
        for key, row in names.items()
        if key not in found
    ]
    Author.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    found.update({author_key(a.last_name, a.first_name): a for a in missing})
    return found, len(missing)


def find_or_create_named(model, names):
    """Genres (or languages) by name, case-insensitively, created when missing."""
    wanted = {}
    for name in names:
        wanted.setdefault(name.lower(), name)
    found = {}
    for chunk in batches(sorted(wanted)):
        originals = [wanted[key] for key in chunk]
        matches = (
            model.objects.annotate(lower_name=Lower("name"))
            .filter(Q(lower_name__in=chunk) | Q(name__in=originals))
            .order_by("pk")
        )
        for row in matches:
            found.setdefault(row.name.lower(), row)
    missing = [model(name=name) for key, name in wanted.items() if key not in found]
    model.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    found.update({row.name.lower(): row for row in missing})
    return found, len(missing)


# Writing: the whole catalog, a chunk of books at a time.


class _Echo:
    """A file whose write() returns what it is given: the csv module's writer, streamed."""

    def write(self, value):
        return value


def export_rows(chunk_size=None):
    """The header, then every book as a row of the import's columns (formulas escaped).

    Books are read by primary key, a chunk per query, with their genres prefetched per
    chunk, so memory stays the same however large the catalog.
    """
    chunk_size = chunk_size or EXPORT_CHUNK
    yield COLUMNS
    last_pk = 0
    genres = Prefetch("genre", queryset=Genre.objects.order_by("name"))
    while True:
        chunk = list(
            Book.objects.filter(pk__gt=last_pk)
            .select_related("author", "language")
            .prefetch_related(genres)
            .annotate(number_of_copies=Count("bookinstance"))
            .order_by("pk")[:chunk_size]
        )
        if not chunk:
            return
        for book in chunk:
            author = book.author
            cells = [
                book.title,
                author.last_name if author else "",
                author.first_name if author else "",
                book.isbn,
                GENRE_SEPARATOR.join(genre.name for genre in book.genre.all()),
                book.language.name if book.language else "",
                book.summary,
                book.number_of_copies,
            ]
            yield [escape_cell(cell) for cell in cells]
        last_pk = chunk[-1].pk


# A streamed response sends the CSV text in pieces of about this many characters.
STREAM_PIECE = 64 * 1024


def csv_text(rows):
    """`rows` as CSV text in pieces (UTF-8 without a byte order mark: the file starts with
    its header line, as the import expects it; the import takes a mark too)."""
    writer = csv.writer(_Echo())
    piece, size = [], 0
    for row in rows:
        line = writer.writerow(row)
        piece.append(line)
        size += len(line)
        if size >= STREAM_PIECE:
            yield "".join(piece)
            piece, size = [], 0
    if piece:
        yield "".join(piece)

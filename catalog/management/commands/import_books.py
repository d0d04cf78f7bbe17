"""Import books from a CSV file in the catalog's columns (issue 16).

    python manage.py import_books FILE.csv

The file is checked whole first: any bad row and nothing is imported (every bad row is
listed by its line number, the header being line 1). A good file is imported in one
transaction; books whose ISBN the catalog already holds are skipped and listed.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog import catalog_io


class Command(BaseCommand):
    help = "Import books from a CSV file (columns: " + ",".join(catalog_io.COLUMNS) + ")."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8, at most 5 MiB or 10,000 books)")

    def handle(self, *args, file, verbosity=1, **options):
        try:
            with open(file, "rb") as handle:
                data = handle.read(catalog_io.MAX_FILE_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        try:
            result = catalog_io.import_file(data, progress=self.progress_bar(verbosity))
        except catalog_io.ImportRefused as refusal:
            lines = [f"Nothing was imported. {refusal.message}"]
            lines += [f"  line {line}: {reason}" for line, reason in refusal.row_errors]
            raise CommandError("\n".join(lines)) from None
        self.report(result)

    def progress_bar(self, verbosity):
        """A tqdm bar on a terminal; nothing in a log file or a pipe."""
        stream = getattr(self.stderr, "_out", sys.stderr)
        shown = verbosity > 0 and hasattr(stream, "isatty") and stream.isatty()

        def progress(items, description):
            return tqdm(items, desc=description, file=stream, disable=not shown)

        return progress

    def report(self, result):
        self.stdout.write(
            f"Imported {result.books} books with {result.copies} copies "
            f"(new: {result.authors} authors, {result.genres} genres, "
            f"{result.languages} languages)."
        )
        if result.skipped:
            self.stdout.write(
                f"Skipped {len(result.skipped)} books whose ISBN is already in the catalog:"
            )
            for row in result.skipped:
                self.stdout.write(f"  line {row.line}: {row.isbn} {row.title}")

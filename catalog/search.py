"""The header's search: its form, how a query splits into words, and the limits on both.

`Book.objects.search()` runs the query; this module decides what the words are and how a
word is looked up in the index that migrations 0006 and 0009 keep (SQLite's FTS5 trigram
table; on PostgreSQL a table of each book's text with a pg_trgm index). The index gives
exactly what the plain substring match (`icontains`) gives; on SQLite the words shorter than
a trigram use that match instead.
"""

import hashlib
import re
from collections.abc import Sequence

from django import forms
from django.utils.functional import cached_property

from .catalog_cache import cached

# Each word adds a condition to the search query: bound both, whatever is typed.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 10

# Prose punctuation around a word is not part of it: "Dick, Philip" finds Dick.
SEARCH_WORD_EDGES = ",.;:!?\"'()[]{}“”‘’«»„…"

# A trigram index cannot find a word shorter than a trigram.
INDEXED_WORD_LENGTH = 3

# SQLite's LIKE folds only ASCII letters; the FTS5 table holds its text folded the same way.
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

SQLITE_BOOKS_WITH_WORDS = "SELECT rowid FROM catalog_book_search WHERE catalog_book_search MATCH %s"

# The ids of the books holding every word (PostgreSQL; migration 0009): each book's text,
# upper-cased as `icontains` compares, in a table with a pg_trgm GIN index.
POSTGRESQL_BOOKS_WITH_WORDS = "SELECT book_id FROM catalog_book_search WHERE {}"


# An ISBN typed with hyphens (978-0-547-57231-4): the catalog stores its digits only.
HYPHENATED_ISBN = re.compile(r"[\dXx]+(-[\dXx]+)+")


def search_words(query):
    """The words of a search, without edge punctuation: "Dick, Philip" finds Dick.

    A word made only of punctuation ("%", "_") is searched as typed.
    """
    return [word.strip(SEARCH_WORD_EDGES) or word for word in query.split()]


def word_forms(word):
    """What finds a word: the word itself and, for a hyphenated ISBN, its digits too.

    Both count: "1914-1918" is in a title as typed, "978-0-547-57231-4" in the ISBN column
    without its hyphens. Either form matching is a match (never fewer books than the word
    as typed finds).
    """
    if HYPHENATED_ISBN.fullmatch(word):
        digits = word.replace("-", "")
        if len(digits) >= INDEXED_WORD_LENGTH:
            return (word, digits)
    return (word,)


def index_lookups(words, connection):
    """Split the words into SELECTs of ids through the index, and the words it cannot find.

    A book is in every SELECT (given as (sql, params)) when it holds every indexed word,
    each in its title, its author's first or last name, its ISBN or one of its genres, as
    `icontains` would find it. The words left over (on SQLite those shorter than a trigram,
    every word on a database without the index) are for the plain substring match.
    """
    if connection.vendor == "postgresql":
        # Every word, the short ones too: LIKE on the one table's text is the very match
        # `icontains` makes on each column, and a short word's scan of that narrow table
        # costs a fraction of the plain match's joins (the trigram index serves the others).
        conditions, patterns = [], []
        for word in words:
            forms = word_forms(word)
            conditions.append("(" + " OR ".join(["text LIKE UPPER(%s)"] * len(forms)) + ")")
            patterns += [f"%{connection.ops.prep_for_like_query(form)}%" for form in forms]
        return [(POSTGRESQL_BOOKS_WITH_WORDS.format(" AND ".join(conditions)), patterns)], []
    indexed = [word for word in words if len(word) >= INDEXED_WORD_LENGTH]
    short = [word for word in words if len(word) < INDEXED_WORD_LENGTH]
    if not indexed:
        return [], short
    if connection.vendor == "sqlite":
        # One FTS5 query: a quoted phrase per word (its forms OR-ed), all in one book's row
        # (an explicit AND: FTS5 refuses an implicit one beside parentheses).
        phrases = " AND ".join(fts5_phrase(word) for word in indexed)
        return [(SQLITE_BOOKS_WITH_WORDS, [phrases])], short
    return [], words


def fts5_phrase(word):
    """The FTS5 query for one word: its forms as quoted strings, folded as the table is."""
    folded = [form.translate(ASCII_LOWER) for form in word_forms(word)]
    quoted = ['"' + form.replace('"', '""') + '"' for form in folded]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


# A search's first hits (ids, in the page's order) are kept with its count: a hundred pages
# at ten a page, ten at a hundred. A page past them is read from the database.
CACHED_HITS = 1000
READ_HITS = 5000


class SearchResults:
    """A search's books in the page's order, for the paginator: the index is read once per
    version of the catalog, as are the count and the first CACHED_HITS ids, so the next
    visitor's page (or page 2) costs a lookup of ten books by id.

    `hits` is the search's queryset, ordered; `rows` the queryset to read a page's books from
    by id (with what the list shows). Cached under the catalog's version: any write to the
    catalog gives the next search a new key, so no one sees results from before it.
    """

    ordered = True

    def __init__(self, request, words, hits, rows):
        self.hits = hits
        self.rows = rows
        key = hashlib.sha256(" ".join(words).encode()).hexdigest()
        self._count, self._first_ids = cached(request, f"search:{key}", self._read_hits)

    def _read_hits(self):
        # One read of the index gives the count too, unless the search has more hits than
        # READ_HITS: then SQL counts them (sorting them all costs more than reading twice).
        ids = list(self.hits.values_list("pk", flat=True)[: READ_HITS + 1])
        count = len(ids) if len(ids) <= READ_HITS else self.hits.count()
        return count, ids[:CACHED_HITS]

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, page):
        """The books of a slice of the hits (the paginator asks for one page's slice)."""
        if not isinstance(page, slice):
            raise TypeError("SearchResults takes a slice of the hits")
        return PageBooks(self, page)

    def ids(self, page):
        stop = self._count if page.stop is None else page.stop
        if stop <= len(self._first_ids) or len(self._first_ids) == self._count:
            return self._first_ids[page]
        return list(self.hits.values_list("pk", flat=True)[page])


class PageBooks(Sequence):
    """One page's books, read when first used: never, when the template's cached fragment
    of the page already holds them."""

    def __init__(self, results, page):
        self.results = results
        self.page = page

    @cached_property
    def books(self):
        ids = self.results.ids(self.page)
        books = self.results.rows.in_bulk(ids)
        # A book deleted since is missing from the rows, and so from the page.
        return [books[pk] for pk in ids if pk in books]

    def __getitem__(self, index):
        return self.books[index]

    def __len__(self):
        return len(self.books)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the catalog",
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        strip=True,
        error_messages={
            "max_length": "Search for at most %(limit_value)d characters "
            "(this search has %(show_value)d).",
        },
    )

    def words(self):
        """The query's words (at most SEARCH_MAX_WORDS), or none when the form is invalid."""
        return self._all_words()[:SEARCH_MAX_WORDS]

    def ignored_words(self):
        """The words past the limit, which the search leaves out (the page says so)."""
        return self._all_words()[SEARCH_MAX_WORDS:]

    def _all_words(self):
        if not self.is_valid():
            return []
        return self.cleaned_data["q"].split()

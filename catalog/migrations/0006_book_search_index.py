"""Search through an index (issue 17): SQLite's FTS5 trigram table, PostgreSQL's pg_trgm.

SQLite: one row per book in the FTS5 table `catalog_book_search` (rowid = the book's id) with
the text the search looks in, lower-cased as SQLite's LIKE compares it (ASCII only), kept in
step by triggers on every table it reads from, so `update()`, `bulk_create`, raw SQL and
many-to-many changes keep it right too. PostgreSQL: trigram GIN indexes on the very
expressions Django's `icontains` compares (`UPPER(column::text)`).

Nothing here is a model: `makemigrations` does not see it. A later migration that makes
SQLite rebuild one of these tables (most AlterField/RemoveField do) drops its triggers: run
this migration's forward SQL again after it (test_search_index fails until then).
"""

from django.db import migrations

SEARCH_TABLE = "catalog_book_search"

# The text of every book chosen by a condition on `b` (catalog_book): lower() as SQLite's
# LIKE folds case; names and genres one per line, and no searched word holds a line break.
INDEX_BOOKS = f"""
    INSERT INTO {SEARCH_TABLE} (rowid, title, author, isbn, genres)
    SELECT b.id, lower(b.title),
        lower(coalesce(a.first_name, '') || char(10) || coalesce(a.last_name, '')),
        lower(b.isbn),
        lower(coalesce((
            SELECT group_concat(g.name, char(10))
            FROM catalog_book_genre AS bg JOIN catalog_genre AS g ON g.id = bg.genre_id
            WHERE bg.book_id = b.id
        ), ''))
    FROM catalog_book AS b LEFT JOIN catalog_author AS a ON a.id = b.author_id
    WHERE {{books}};
"""
FORGET_BOOKS = f"""
    DELETE FROM {SEARCH_TABLE} WHERE rowid IN (SELECT b.id FROM catalog_book AS b WHERE {{books}});
"""


def reindex(books):
    return FORGET_BOOKS.format(books=books) + INDEX_BOOKS.format(books=books)


# (trigger name, event, what it runs)
SQLITE_TRIGGERS = [
    ("book_insert", "AFTER INSERT ON catalog_book", INDEX_BOOKS.format(books="b.id = NEW.id")),
    (
        "book_update",
        "AFTER UPDATE OF id, title, author_id, isbn ON catalog_book",
        f"DELETE FROM {SEARCH_TABLE} WHERE rowid = OLD.id;"
        + INDEX_BOOKS.format(books="b.id = NEW.id"),
    ),
    (
        "book_delete",
        "AFTER DELETE ON catalog_book",
        f"DELETE FROM {SEARCH_TABLE} WHERE rowid = OLD.id;",
    ),
    ("author_insert", "AFTER INSERT ON catalog_author", reindex("b.author_id = NEW.id")),
    (
        "author_update",
        "AFTER UPDATE OF id, first_name, last_name ON catalog_author",
        reindex("b.author_id IN (OLD.id, NEW.id)"),
    ),
    ("author_delete", "AFTER DELETE ON catalog_author", reindex("b.author_id = OLD.id")),
    (
        "genre_insert",
        "AFTER INSERT ON catalog_genre",
        reindex("b.id IN (SELECT book_id FROM catalog_book_genre WHERE genre_id = NEW.id)"),
    ),
    (
        "genre_update",
        "AFTER UPDATE OF id, name ON catalog_genre",
        reindex(
            "b.id IN (SELECT book_id FROM catalog_book_genre WHERE genre_id IN (OLD.id, NEW.id))"
        ),
    ),
    (
        "genre_delete",
        "AFTER DELETE ON catalog_genre",
        reindex("b.id IN (SELECT book_id FROM catalog_book_genre WHERE genre_id = OLD.id)"),
    ),
    ("book_genre_insert", "AFTER INSERT ON catalog_book_genre", reindex("b.id = NEW.book_id")),
    (
        "book_genre_update",
        "AFTER UPDATE ON catalog_book_genre",
        reindex("b.id IN (OLD.book_id, NEW.book_id)"),
    ),
    ("book_genre_delete", "AFTER DELETE ON catalog_book_genre", reindex("b.id = OLD.book_id")),
]

SQLITE_FORWARD = [
    # case_sensitive 1: the text and the words are already folded as LIKE folds them.
    f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5("
    "title, author, isbn, genres, tokenize = 'trigram case_sensitive 1')",
    *(
        f"CREATE TRIGGER {SEARCH_TABLE}_{name} {event} FOR EACH ROW BEGIN {body} END"
        for name, event, body in SQLITE_TRIGGERS
    ),
    INDEX_BOOKS.format(books="1"),
]
SQLITE_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{name}" for name, _, _ in SQLITE_TRIGGERS),
    f"DROP TABLE IF EXISTS {SEARCH_TABLE}",
]

# (index name, table, column): the expression is the one `icontains` puts in its WHERE.
POSTGRESQL_INDEXES = [
    ("catalog_book_title_trgm", "catalog_book", "title"),
    ("catalog_book_isbn_trgm", "catalog_book", "isbn"),
    ("catalog_author_first_name_trgm", "catalog_author", "first_name"),
    ("catalog_author_last_name_trgm", "catalog_author", "last_name"),
    ("catalog_genre_name_trgm", "catalog_genre", "name"),
]
POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
        f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        for name, table, column in POSTGRESQL_INDEXES
    ),
]
POSTGRESQL_BACKWARD = [f'DROP INDEX IF EXISTS "{name}"' for name, _, _ in POSTGRESQL_INDEXES]


def run_for_vendor(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_index_the_hold_queue_and_todays_reminders"),
    ]

    operations = [
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            run_for_vendor({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]

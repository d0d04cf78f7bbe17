"""Search on PostgreSQL through one trigram index over each book's searched text (issue 17).

Migration 0006 indexed each searched column on its own: every word then needed one lookup
per table and a union of book ids, and a common word gave tens of thousands of ids to
combine (100,000 books: "lighthouse" 80 ms, "the" 0.7 s, a two-letter word 0.25 s). Here, as
SQLite's FTS5 table does, one row per book holds its title, author's names, ISBN and genres
(upper-cased, as `icontains` compares them, one per line: no searched word holds a line
break), kept in step by triggers on every table it reads from (TRUNCATE included); a GIN
pg_trgm index serves `LIKE` for all the words of a search at once, and a word too short for
a trigram scans this one narrow table instead of joining four.
SQLite: nothing to do.
"""

from django.db import migrations

OLD_INDEXES = [
    "catalog_book_title_trgm",
    "catalog_book_isbn_trgm",
    "catalog_author_first_name_trgm",
    "catalog_author_last_name_trgm",
    "catalog_genre_name_trgm",
]

FORWARD = [
    *(f'DROP INDEX IF EXISTS "{name}"' for name in OLD_INDEXES),
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE catalog_book_search (book_id bigint NOT NULL PRIMARY KEY, text text NOT NULL)",
    "CREATE INDEX catalog_book_search_text_trgm ON catalog_book_search "
    "USING gin (text gin_trgm_ops)",
    # The searched text of the given books, written again (or removed with the book).
    """
    CREATE FUNCTION catalog_book_search_refresh(book_ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
        DELETE FROM catalog_book_search WHERE book_id = ANY(book_ids);
        INSERT INTO catalog_book_search (book_id, text)
        SELECT b.id, UPPER(concat_ws(E'\\n',
            b.title::text, a.first_name::text, a.last_name::text, b.isbn::text,
            (SELECT string_agg(g.name::text, E'\\n')
             FROM catalog_book_genre AS bg JOIN catalog_genre AS g ON g.id = bg.genre_id
             WHERE bg.book_id = b.id)))
        FROM catalog_book AS b LEFT JOIN catalog_author AS a ON a.id = b.author_id
        WHERE b.id = ANY(book_ids);
    $$
    """,
    """
    CREATE FUNCTION catalog_book_search_book() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM catalog_book_search WHERE book_id = OLD.id;
        ELSIF TG_OP = 'UPDATE' THEN
            PERFORM catalog_book_search_refresh(ARRAY[OLD.id, NEW.id]);
        ELSE
            PERFORM catalog_book_search_refresh(ARRAY[NEW.id]);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION catalog_book_search_author() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[] := ARRAY[]::bigint[];
    BEGIN
        IF TG_OP <> 'INSERT' THEN ids := ids || OLD.id; END IF;
        IF TG_OP <> 'DELETE' THEN ids := ids || NEW.id; END IF;
        PERFORM catalog_book_search_refresh(
            ARRAY(SELECT id FROM catalog_book WHERE author_id = ANY(ids)));
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION catalog_book_search_genre() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[] := ARRAY[]::bigint[];
    BEGIN
        IF TG_OP <> 'INSERT' THEN ids := ids || OLD.id; END IF;
        IF TG_OP <> 'DELETE' THEN ids := ids || NEW.id; END IF;
        PERFORM catalog_book_search_refresh(
            ARRAY(SELECT book_id FROM catalog_book_genre WHERE genre_id = ANY(ids)));
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION catalog_book_search_book_genre() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM catalog_book_search_refresh(ARRAY[NEW.book_id]);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM catalog_book_search_refresh(ARRAY[OLD.book_id]);
        ELSE
            PERFORM catalog_book_search_refresh(ARRAY[OLD.book_id, NEW.book_id]);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION catalog_book_search_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE catalog_book_search;
        RETURN NULL;
    END $$
    """,
    # A table the text is read from emptied at once (TRUNCATE fires no row trigger): every
    # book's text again, from what is left.
    """
    CREATE FUNCTION catalog_book_search_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM catalog_book_search_refresh(ARRAY(SELECT id FROM catalog_book));
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER catalog_book_search AFTER INSERT OR DELETE OR UPDATE OF id, title, "
    "author_id, isbn ON catalog_book FOR EACH ROW EXECUTE FUNCTION catalog_book_search_book()",
    "CREATE TRIGGER catalog_book_search_truncate AFTER TRUNCATE ON catalog_book "
    "FOR EACH STATEMENT EXECUTE FUNCTION catalog_book_search_truncate()",
    "CREATE TRIGGER catalog_book_search AFTER INSERT OR DELETE OR UPDATE OF id, first_name, "
    "last_name ON catalog_author FOR EACH ROW EXECUTE FUNCTION catalog_book_search_author()",
    "CREATE TRIGGER catalog_book_search AFTER INSERT OR DELETE OR UPDATE OF id, name "
    "ON catalog_genre FOR EACH ROW EXECUTE FUNCTION catalog_book_search_genre()",
    "CREATE TRIGGER catalog_book_search AFTER INSERT OR DELETE OR UPDATE ON catalog_book_genre "
    "FOR EACH ROW EXECUTE FUNCTION catalog_book_search_book_genre()",
    *(
        f"CREATE TRIGGER catalog_book_search_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION catalog_book_search_rebuild()"
        for table in ("catalog_author", "catalog_genre", "catalog_book_genre")
    ),
    "SELECT catalog_book_search_refresh(ARRAY(SELECT id FROM catalog_book))",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_book_search ON catalog_book",
    "DROP TRIGGER IF EXISTS catalog_book_search_truncate ON catalog_book",
    "DROP TRIGGER IF EXISTS catalog_book_search ON catalog_author",
    "DROP TRIGGER IF EXISTS catalog_book_search ON catalog_genre",
    "DROP TRIGGER IF EXISTS catalog_book_search ON catalog_book_genre",
    *(
        f"DROP TRIGGER IF EXISTS catalog_book_search_truncate ON {table}"
        for table in ("catalog_author", "catalog_genre", "catalog_book_genre")
    ),
    "DROP FUNCTION IF EXISTS catalog_book_search_book()",
    "DROP FUNCTION IF EXISTS catalog_book_search_author()",
    "DROP FUNCTION IF EXISTS catalog_book_search_genre()",
    "DROP FUNCTION IF EXISTS catalog_book_search_book_genre()",
    "DROP FUNCTION IF EXISTS catalog_book_search_truncate()",
    "DROP FUNCTION IF EXISTS catalog_book_search_rebuild()",
    "DROP FUNCTION IF EXISTS catalog_book_search_refresh(bigint[])",
    "DROP TABLE IF EXISTS catalog_book_search",
    # 0006's indexes, which the search of that version uses.
    *(
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
        f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        for name, table, column in [
            ("catalog_book_title_trgm", "catalog_book", "title"),
            ("catalog_book_isbn_trgm", "catalog_book", "isbn"),
            ("catalog_author_first_name_trgm", "catalog_author", "first_name"),
            ("catalog_author_last_name_trgm", "catalog_author", "last_name"),
            ("catalog_genre_name_trgm", "catalog_genre", "name"),
        ]
    ),
]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_librarians_lift_lockouts"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD), run_on_postgresql(BACKWARD)),
    ]

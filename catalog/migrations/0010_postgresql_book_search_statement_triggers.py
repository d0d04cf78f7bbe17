"""Keep PostgreSQL's search table (migration 0009) in step once per statement, not per row.

0009's row triggers wrote a book's text again for each row a statement touched: a bulk
insert of books and their genres (the seeder, the importer) wrote every book's text once
for the book and once per genre, and seeding 10,000 books took 18 s instead of 4. Here each
table's statement triggers see the rows the statement changed (transition tables) and write
the text of the books they belong to once, and an UPDATE only for the rows whose searched
columns changed. TRUNCATE keeps 0009's triggers. SQLite: nothing to do (FTS5, 0006).
"""

import importlib

from django.db import migrations

# (table, its columns the search text reads (key first), the books of `changed` rows of it)
TABLES = [
    ("catalog_book", "id, title, author_id, isbn", "SELECT id FROM ({changed}) AS changed"),
    (
        "catalog_author",
        "id, first_name, last_name",
        "SELECT id FROM catalog_book WHERE author_id IN (SELECT id FROM ({changed}) AS changed)",
    ),
    (
        "catalog_genre",
        "id, name",
        "SELECT book_id FROM catalog_book_genre "
        "WHERE genre_id IN (SELECT id FROM ({changed}) AS changed)",
    ),
    ("catalog_book_genre", "book_id, genre_id", "SELECT book_id FROM ({changed}) AS changed"),
]

# The rows a statement changed, as seen through its transition tables.
CHANGED = {
    "INSERT": "SELECT {columns} FROM new_rows",
    "DELETE": "SELECT {columns} FROM old_rows",
    # Both ways: a row whose searched columns changed (or whose key did) shows in each.
    "UPDATE": "(SELECT {columns} FROM old_rows EXCEPT SELECT {columns} FROM new_rows) UNION "
    "(SELECT {columns} FROM new_rows EXCEPT SELECT {columns} FROM old_rows)",
}
TRANSITION_TABLES = {
    "INSERT": "NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def function_sql(table, columns, books):
    branches = {
        event: "PERFORM catalog_book_search_refresh(ARRAY("
        + books.format(changed=changed.format(columns=columns))
        + "));"
        for event, changed in CHANGED.items()
    }
    return f"""
    CREATE FUNCTION catalog_book_search_from_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {branches["INSERT"]}
        ELSIF TG_OP = 'DELETE' THEN
            {branches["DELETE"]}
        ELSE
            {branches["UPDATE"]}
        END IF;
        RETURN NULL;
    END $$
    """


ROW_TRIGGERS = ["catalog_book", "catalog_author", "catalog_genre", "catalog_book_genre"]
ROW_FUNCTIONS = ["book", "author", "genre", "book_genre"]

FORWARD = [
    *(f"DROP TRIGGER IF EXISTS catalog_book_search ON {table}" for table in ROW_TRIGGERS),
    *(f"DROP FUNCTION IF EXISTS catalog_book_search_{name}()" for name in ROW_FUNCTIONS),
    *(function_sql(table, columns, books) for table, columns, books in TABLES),
    *(
        f"CREATE TRIGGER catalog_book_search_{event.lower()} AFTER {event} ON {table} "
        f"REFERENCING {TRANSITION_TABLES[event]} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION catalog_book_search_from_{table}()"
        for table, _, _ in TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]


def backward_sql():
    """Drop these triggers and put back 0009's row triggers (its own statements)."""
    previous = importlib.import_module("catalog.migrations.0009_postgresql_book_search_table")
    row_trigger_sql = [
        sql
        for sql in previous.FORWARD
        if any(f"FUNCTION catalog_book_search_{name}()" in sql for name in ROW_FUNCTIONS)
    ]
    return [
        *(
            f"DROP TRIGGER IF EXISTS catalog_book_search_{event.lower()} ON {table}"
            for table, _, _ in TABLES
            for event in ("INSERT", "UPDATE", "DELETE")
        ),
        *(f"DROP FUNCTION IF EXISTS catalog_book_search_from_{table}()" for table, _, _ in TABLES),
        *row_trigger_sql,
    ]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements() if callable(statements) else statements:
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_postgresql_book_search_table"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD), run_on_postgresql(backward_sql)),
    ]

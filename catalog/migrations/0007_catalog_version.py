"""The catalog's version (issue 17): a value that changes with every write, to key caches by.

Table `catalog_version` holds one row per thing cached; today only `catalog` (books,
authors, genres, languages, copies and the books' genres). Database triggers give the row a
new random value on every write to those tables, so `update()`,
`bulk_create`, raw SQL, the seeder and the importer all count, on every server at once.
Random, not a counter: a rolled-back transaction (a test) puts the old value back, and a
counter would then hand out again a value whose cached pages showed the rolled-back rows.

SQLite: row triggers (writers take turns there anyway). PostgreSQL: statement triggers, so a
bulk insert bumps once per statement; the row lock they take makes catalog writes commit in
turn, which the circulation services already do (they lock before they write).

Nothing here is a model: `makemigrations` does not see it, and the test runner's flush
leaves the row alone (the flush's DELETE / TRUNCATE fires the triggers). A later migration
that makes SQLite rebuild one of these tables drops its triggers: run this migration's
forward SQL again after it (test_catalog_version fails until then).
"""

from django.db import migrations

VERSIONS = {
    "catalog": [
        "catalog_book",
        "catalog_author",
        "catalog_genre",
        "catalog_language",
        "catalog_bookinstance",
        "catalog_book_genre",
    ],
}

SQLITE_NEW_VERSION = "lower(hex(randomblob(16)))"
SQLITE_FORWARD = [
    "CREATE TABLE catalog_version (name varchar(20) NOT NULL PRIMARY KEY, "
    "version varchar(40) NOT NULL)",
    *(
        f"INSERT INTO catalog_version (name, version) VALUES ('{name}', {SQLITE_NEW_VERSION})"
        for name in VERSIONS
    ),
    *(
        f"CREATE TRIGGER catalog_version_{table}_{event.lower()} AFTER {event} ON {table} "
        f"FOR EACH ROW BEGIN UPDATE catalog_version SET version = {SQLITE_NEW_VERSION} "
        f"WHERE name = '{name}'; END"
        for name, tables in VERSIONS.items()
        for table in tables
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]
SQLITE_BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS catalog_version_{table}_{event.lower()}"
        for tables in VERSIONS.values()
        for table in tables
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    "DROP TABLE IF EXISTS catalog_version",
]

POSTGRESQL_FORWARD = [
    "CREATE TABLE catalog_version (name varchar(20) NOT NULL PRIMARY KEY, "
    "version varchar(40) NOT NULL)",
    *(
        f"INSERT INTO catalog_version (name, version) VALUES ('{name}', gen_random_uuid()::text)"
        for name in VERSIONS
    ),
    """
    CREATE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE catalog_version SET version = gen_random_uuid()::text WHERE name = TG_ARGV[0];
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER catalog_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump('{name}')"
        for name, tables in VERSIONS.items()
        for table in tables
    ),
]
POSTGRESQL_BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS catalog_version_bump ON {table}"
        for tables in VERSIONS.values()
        for table in tables
    ),
    "DROP FUNCTION IF EXISTS catalog_version_bump()",
    "DROP TABLE IF EXISTS catalog_version",
]


def run_for_vendor(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_book_search_index"),
    ]

    operations = [
        migrations.RunPython(
            run_for_vendor({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            run_for_vendor({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]

"""The session cache's generation: a `sessions` row in `catalog_version` (no schema change).

Under `DJANGO_SESSION_ENGINE=cached_db` every session entry in Redis carries this value, and
an entry of another generation is a miss. A session write or delete that does not reach Redis
gives the row a new value, so every server stops trusting what Redis held before at once
(locallibrary/session_backends/cached_db.py). No trigger touches this row.
"""

import secrets

from django.db import migrations

NAME = "sessions"


def add_generation(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO catalog_version (name, version) VALUES (%s, %s)",
        params=[NAME, secrets.token_hex(16)],
    )


def remove_generation(apps, schema_editor):
    schema_editor.execute("DELETE FROM catalog_version WHERE name = %s", params=[NAME])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_postgresql_book_search_statement_triggers"),
    ]

    operations = [migrations.RunPython(add_generation, remove_generation)]

"""SQLite is tuned for a web server however its file is named (issue 6).

These tests start a separate Python process with the real settings, as gunicorn would,
because the test run itself uses an in-memory database.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Reads the tuning back from a real connection to a file database.
READ_PRAGMAS = """
import json, os, sys
from django.conf import settings
database_file = sys.argv[1]
if "DATABASE_URL" not in os.environ:
    # The default file, with its settings untouched but for where the file lives.
    settings.DATABASES["default"]["NAME"] = database_file
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    found = {}
    for pragma in ("journal_mode", "synchronous", "busy_timeout"):
        cursor.execute(f"PRAGMA {pragma}")
        found[pragma] = cursor.fetchone()[0]
found["name"] = str(connection.settings_dict["NAME"])
found["transaction_mode"] = connection.transaction_mode
found["conn_max_age"] = connection.settings_dict["CONN_MAX_AGE"]
print(json.dumps(found))
"""

# Many threads, each with its own connection, visit the home page at once: new visitors
# (a session row created) and returning ones (their row updated).
CONCURRENT_VISITS = """
import sys, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test import Client
from locallibrary.test_runner import use_test_settings
use_test_settings()
call_command("migrate", verbosity=0)
connection.close()
failures = []
def browser():
    return Client(HTTP_HOST="localhost")
def visitor():
    try:
        returning = browser()
        for _ in range(15):
            for client in (returning, browser()):
                status = client.get("/catalog/").status_code
                if status != 200:
                    failures.append(status)
    except Exception as error:
        failures.append(repr(error))
    finally:
        connection.close()
threads = [threading.Thread(target=visitor) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(failures)
"""


def run_django(script, tmp_path, database_url=None):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="locallibrary.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="test-only-insecure-key",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "default.sqlite3")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("named_by", ["default file", "DATABASE_URL"])
def test_sqlite_is_tuned_for_a_web_server_however_the_file_is_named(tmp_path, named_by):
    url = f"sqlite:///{tmp_path / 'from-url.sqlite3'}" if named_by == "DATABASE_URL" else None
    found = json.loads(run_django(READ_PRAGMAS, tmp_path, url))
    expected_file = "from-url.sqlite3" if url else "default.sqlite3"
    assert found["name"].endswith(expected_file)
    assert found["journal_mode"] == "wal"
    assert found["synchronous"] == 1  # NORMAL
    assert found["busy_timeout"] >= 5000
    assert found["transaction_mode"] == "IMMEDIATE"
    assert found["conn_max_age"] > 0


def test_concurrent_home_page_visits_never_fail_on_a_locked_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"
    assert run_django(CONCURRENT_VISITS, tmp_path, url) == "[]"

"""The MDN tutorial's own LocalLibrary, served beside the site by `make bench` (issue 17).

None of its code is in this repository. It is taken at run time from `BENCH_REFERENCE` (a git
directory, bare or not, or a plain checkout of github.com/mdn/django-locallibrary-tutorial;
by default the mirror at DEFAULT_SOURCE when it exists) into /tmp/bench-reference/tree.
It runs with the site's own virtualenv, whose packages satisfy its imports, so the same
gunicorn binary, Django and whitenoise serve both and only the code differs (its pins, Django
5.1 and whitenoise 6.6, are not installed). Its settings are used as they are but for what a
production deploy of it changes: DEBUG off, the hosts, and SQLite with the site's options (WAL).
Its database holds the site's catalog row for row, copied after its `migrate`.
"""

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

DEFAULT_SOURCE = Path("/work/.mirror/mdn+django-locallibrary-tutorial/repo")
WORK = Path("/tmp/bench-reference")
HOW_TO = (
    "set `BENCH_REFERENCE` to a git directory or a checkout of "
    "https://github.com/mdn/django-locallibrary-tutorial and rerun `make bench`"
)
# What the reference imports (its requirements.txt, less gunicorn and the PostgreSQL driver).
IMPORTS = ("django", "dj_database_url", "whitenoise", "dotenv")
# The site's pages the reference has too (no search, desk or holds pages there).
PAGES = ("home", "home_cookie", "books", "books_50", "book", "authors", "author", "copies")
# Copied in this order, each with the columns both tables have.
TABLES = (
    "catalog_language",
    "catalog_genre",
    "catalog_author",
    "catalog_book",
    "catalog_book_genre",
    "auth_user",
    "catalog_bookinstance",
)
# Values the two spell differently: a copy in maintenance is "m" here, "d" in the tutorial.
CONVERSIONS = {("catalog_bookinstance", "status"): "CASE status WHEN 'm' THEN 'd' ELSE status END"}
# A production deploy of the reference: its own settings, then what a deploy sets.
SETTINGS = '''"""Written by the site's bench/reference.py: the reference as deployed."""
import json
import os

from locallibrary.settings import *  # noqa: F403 (the reference's own settings)

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES["default"].setdefault("OPTIONS", {}).update(  # noqa: F405
    json.loads(os.environ["BENCH_SQLITE_OPTIONS"])
)
'''


class Unavailable(Exception):
    """No reference to measure: the report says why, and how to provide one."""


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def setup():
    """The reference checked out, its static files collected: {"tree", "source", "commit"}."""
    configured = os.environ.get("BENCH_REFERENCE")
    source = Path(configured) if configured else DEFAULT_SOURCE
    if not source.exists():
        raise Unavailable(f"no reference at {source}")
    tree = WORK / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    if (source / "manage.py").exists():  # a checkout: its files as they are
        ignore = shutil.ignore_patterns(".git", ".venv", "staticfiles", "*.sqlite3", ".env")
        shutil.copytree(source, tree, ignore=ignore, dirs_exist_ok=True)
    git_dir = source / ".git" if (source / ".git").exists() else source
    commit = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    if not (tree / "manage.py").exists():
        archive = subprocess.run(
            ["git", "--git-dir", str(git_dir), "archive", "HEAD"], capture_output=True
        )
        if archive.returncode:
            raise Unavailable(f"{source} is neither a checkout nor a git directory")
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    if not (tree / "manage.py").exists() or not (tree / "locallibrary").is_dir():
        raise Unavailable(f"{source} does not hold the tutorial's project (no manage.py)")
    missing = subprocess.run(
        [sys.executable, "-c", "import " + ", ".join(IMPORTS)], cwd=tree, capture_output=True
    )
    if missing.returncode:
        raise Unavailable(
            "the site's virtualenv lacks one of the reference's imports "
            f"({', '.join(IMPORTS)}): {missing.stderr.decode().strip().splitlines()[-1]}"
        )
    (tree / "bench_settings.py").write_text(SETTINGS)
    requirements = tree / "requirements.txt"
    pins = [
        line.strip()
        for line in (requirements.read_text().splitlines() if requirements.exists() else [])
        if line.lower().startswith(("django==", "gunicorn==", "whitenoise=="))
    ]
    reference = {"tree": str(tree), "source": str(source), "commit": commit or "?", "pins": pins}
    manage(reference, env(reference, WORK / "static.sqlite3", {}), "collectstatic")
    log(f"reference {commit[:12]} from {source} in {tree}")
    return reference


def env(reference, database, sqlite_options):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{database}",
        "BENCH_SQLITE_OPTIONS": json.dumps(sqlite_options),
        "PYTHONPATH": reference["tree"],
    }


def manage(reference, environment, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args, "--noinput", "-v0"],
        cwd=reference["tree"],
        env=environment,
        check=True,
    )


def prepare(reference, site_database, books, sqlite_options):
    """The reference's database after its `migrate`, holding the site's catalog; its env."""
    database = WORK / f"reference-{books}.sqlite3"
    for stale in database.parent.glob(database.name + "*"):
        stale.unlink()
    environment = env(reference, database, sqlite_options)
    log(f"the reference's database: {database}, the catalog of {site_database}")
    manage(reference, environment, "migrate")
    copy_catalog(site_database, database)
    return database, environment


def copy_catalog(site_database, database):
    """Every catalog row (and the users who borrow copies) from the site's database."""
    with closing(sqlite3.connect(database)) as db:
        db.execute("ATTACH DATABASE ? AS site", (str(site_database),))
        for table in TABLES:
            theirs = [row[1] for row in db.execute(f"PRAGMA main.table_info({table})")]
            ours = {row[1] for row in db.execute(f"PRAGMA site.table_info({table})")}
            shared = [column for column in theirs if column in ours]
            values = [CONVERSIONS.get((table, column), f'"{column}"') for column in shared]
            db.execute(
                f"INSERT INTO main.{table} ({', '.join(shared)}) "
                f"SELECT {', '.join(values)} FROM site.{table}"
            )
            (copied,) = db.execute(f"SELECT COUNT(*) FROM main.{table}").fetchone()
            (rows,) = db.execute(f"SELECT COUNT(*) FROM site.{table}").fetchone()
            if copied != rows:
                raise RuntimeError(f"{table}: {copied} rows copied of {rows}")
        db.commit()
        db.execute("DETACH DATABASE site")
        db.execute("PRAGMA journal_mode=WAL")


def static_path(reference):
    manifest = Path(reference["tree"]) / "staticfiles" / "staticfiles.json"
    manifest = json.loads(manifest.read_text())
    return "/static/" + manifest["paths"]["css/styles.css"]


def page_paths(reference, site_paths):
    """The reference's pages: the site's paths (the same ids), and its own stylesheet."""
    paths = {key: site_paths[key] for key in PAGES}
    paths["static"] = (static_path(reference), site_paths["static"][1])
    return paths

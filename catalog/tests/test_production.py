"""The production configuration, run for real: the Procfile's processes with DEBUG off.

Every process here gets an explicit environment (see servers.py), so neither the test run's
variables nor a developer's `.env` decide what it does.
"""

import json
import re
import sqlite3
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve

from .servers import (
    Browser,
    collectstatic,
    free_port,
    manage,
    procfile_command,
    production_env,
    release,
    run,
    web_server,
)

SECRET_MESSAGE = "DJANGO_SECRET_KEY is not set"


def sqlite_url(directory):
    return f"sqlite:///{directory}/db.sqlite3"


def printed_lines(result):
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def setting_values(env, *expressions):
    """What the settings module computes in a production process, one value per line."""
    code = "from django.conf import settings; " + "; ".join(
        f"print({expression})" for expression in expressions
    )
    return manage("shell", "--no-imports", "-c", code, env=env).stdout.splitlines()


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """The build step: collectstatic into STATIC_ROOT, as the PaaS build does."""
    return collectstatic(production_env(sqlite_url(tmp_path_factory.mktemp("collectstatic"))))


@pytest.fixture(scope="module")
def site(tmp_path_factory, collected_static):
    """The Procfile's release, then web, on a SQLite file of its own with the demo library."""
    directory = tmp_path_factory.mktemp("site")
    env = production_env(sqlite_url(directory))
    release(env)
    manage("load_demo_data", env=env)
    with web_server(env, directory) as base_url:
        yield base_url


class Links(HTMLParser):
    """Every `href` and `src` of a page."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("href", "src") and value]


def crawl_public_pages(base_url):
    """Visit one page of each public URL name that links lead to; return pages and statics.

    An anonymous visitor follows the site's own links from the home page, the login page and
    the admin's login page; query strings and further pages of one view are left out.
    """
    browser = Browser()
    to_visit, seen_names, pages, statics = (
        ["/catalog/", "/accounts/login/", "/admin/login/"],
        set(),
        {},
        set(),
    )
    while to_visit:
        path = to_visit.pop(0)
        try:
            name = resolve(path).view_name
        except Resolver404:
            continue
        if name in seen_names:
            continue
        seen_names.add(name)
        response = browser.get(base_url + path)
        pages[name] = response.status
        if response.status != 200 or "html" not in response.headers.get("Content-Type", ""):
            continue
        links = Links()
        links.feed(response.text)
        for link in links.found:
            url = urlsplit(urljoin(base_url + path, link))
            if f"{url.scheme}://{url.netloc}" != base_url:
                continue
            if url.path.startswith("/static/"):
                statics.add(url.path)
            else:
                to_visit.append(url.path)
    return pages, statics


# The secret key and other start-up errors


def startup_error(env, *command):
    """What `manage.py <command>` prints when the settings stop it: one line, a failure."""
    result = manage(*command, env=env, check=False)
    assert result.returncode != 0
    assert len(printed_lines(result)) == 1
    return result.stderr


@pytest.mark.parametrize("command", [["check"], ["migrate", "--noinput"]])
def test_manage_py_without_a_secret_key_stops_with_one_line_naming_it(tmp_path, command):
    # Empty in the real environment: a developer's `.env` cannot fill it in.
    env = production_env(sqlite_url(tmp_path), DJANGO_SECRET_KEY="")
    assert SECRET_MESSAGE in startup_error(env, *command)
    assert not (tmp_path / "db.sqlite3").exists()


def test_a_secret_key_naming_an_unset_variable_stops_with_one_line_saying_so(tmp_path):
    """`$...` names another variable (django-environ): unset, it is not "not set"."""
    env = production_env(sqlite_url(tmp_path), DJANGO_SECRET_KEY="$no_such_variable")
    printed = startup_error(env, "check")
    assert "names another variable, which is not set" in printed
    assert "no_such_variable" not in printed


def test_gunicorn_without_a_secret_key_stops_at_once_with_the_same_line(tmp_path):
    env = production_env(sqlite_url(tmp_path), DJANGO_SECRET_KEY="")
    web = [*procfile_command("web"), "--bind", f"127.0.0.1:{free_port()}"]
    result = run(web, env, check=False)
    assert result.returncode != 0
    assert len(printed_lines(result)) == 1
    assert SECRET_MESSAGE in result.stderr


def test_cached_db_sessions_without_redis_stop_with_one_line_naming_it(tmp_path):
    env = production_env(sqlite_url(tmp_path), DJANGO_SESSION_ENGINE="cached_db", REDIS_URL="")
    assert "REDIS_URL" in startup_error(env, "check")


def test_an_unknown_session_engine_stops_with_one_line_naming_the_choices(tmp_path):
    env = production_env(sqlite_url(tmp_path), DJANGO_SESSION_ENGINE="file")
    assert "'file' is not one of: db, cached_db" in startup_error(env, "check")


def test_honcho_runs_the_procfile_release_with_the_environment_file_it_is_given(tmp_path):
    # `make serve` gives honcho its production environment with -e, in place of `.env`.
    env_file = tmp_path / "serve.env"
    production = production_env(sqlite_url(tmp_path))
    env_file.write_text(
        "".join(f"{name}={value}\n" for name, value in production.items() if name != "PATH")
    )
    honcho = ["honcho", "-e", str(env_file), "start", "release"]
    result = run(honcho, {"PATH": production["PATH"], "LANG": "C.UTF-8"})
    assert "Applying catalog.0001_initial... OK" in result.stdout
    assert (tmp_path / "db.sqlite3").is_file()


def test_the_release_migrates_and_deletes_expired_sessions(tmp_path):
    env = production_env(sqlite_url(tmp_path))
    release(env)
    database = sqlite3.connect(tmp_path / "db.sqlite3")
    with database:
        database.executemany(
            "INSERT INTO django_session (session_key, session_data, expire_date)"
            " VALUES (?, 'e30:1:x', ?)",
            [
                ("expired0session0key0000000000000", "2000-01-01 00:00:00"),
                ("current0session0key0000000000000", "2999-01-01 00:00:00"),
            ],
        )
    release(env)
    keys = [row[0] for row in database.execute("SELECT session_key FROM django_session")]
    database.close()
    assert keys == ["current0session0key0000000000000"]


# What the production settings are


def test_deploy_check_is_clean_with_the_production_values(tmp_path):
    env = production_env(sqlite_url(tmp_path), DJANGO_ALLOWED_HOSTS="library.example.org")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert "System check identified no issues" in result.stdout


def test_a_postgres_database_url_keeps_connections_open_with_health_checks(tmp_path):
    env = production_env("postgres://library:secret@db.example.org:5432/library")
    database = "settings.DATABASES['default']"
    assert setting_values(
        env,
        f"{database}['ENGINE']",
        f"{database}['NAME']",
        f"{database}['CONN_MAX_AGE']",
        f"{database}['CONN_HEALTH_CHECKS']",
    ) == ["django.db.backends.postgresql", "library", "600", "True"]


@pytest.mark.parametrize(
    ("url", "timeout"),
    [
        ("postgres://library:secret@db.example.org/library", "5"),
        ("postgres://library:secret@db.example.org/library?connect_timeout=2", "2"),
    ],
)
def test_a_postgres_server_that_stops_answering_fails_the_connection_in_seconds(url, timeout):
    """A silent host would otherwise hang each page past gunicorn's worker timeout, not 503."""
    env = production_env(url)
    options = "settings.DATABASES['default']['OPTIONS']"
    assert setting_values(env, f"{options}['connect_timeout']") == [timeout]


def test_hosts_and_trusted_origins_forgive_spaces_after_the_commas(tmp_path):
    env = production_env(
        sqlite_url(tmp_path),
        DJANGO_ALLOWED_HOSTS="library.example.org, www.library.example.org ,",
        DJANGO_CSRF_TRUSTED_ORIGINS=" https://library.example.org,  https://www.library.example.org",
    )
    assert setting_values(env, "settings.ALLOWED_HOSTS", "settings.CSRF_TRUSTED_ORIGINS") == [
        "['library.example.org', 'www.library.example.org']",
        "['https://library.example.org', 'https://www.library.example.org']",
    ]


def test_sessions_go_to_the_database_unless_cached_db_is_asked_for(tmp_path):
    env = production_env(sqlite_url(tmp_path), DJANGO_SESSION_ENGINE="")
    assert setting_values(env, "settings.SESSION_ENGINE") == ["django.contrib.sessions.backends.db"]


def test_cached_db_sessions_use_a_redis_cache_at_redis_url_that_tolerates_outages(tmp_path):
    env = production_env(
        sqlite_url(tmp_path),
        DJANGO_SESSION_ENGINE="cached_db",
        REDIS_URL="redis://127.0.0.1:6399/0",
    )
    assert setting_values(
        env,
        "settings.SESSION_ENGINE",
        "settings.CACHES['default']['BACKEND']",
        "settings.CACHES['default']['LOCATION']",
        "settings.CACHES['default']['OPTIONS']['IGNORE_EXCEPTIONS']",
    ) == [
        "locallibrary.session_backends.cached_db",
        "django_redis.cache.RedisCache",
        "redis://127.0.0.1:6399/0",
        "True",
    ]


# Static files


def test_collectstatic_writes_a_manifest_and_compressed_hashed_files(collected_static):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/styles.css"]
    assert re.fullmatch(r"css/styles\.[0-9a-f]{12}\.css", hashed)
    for suffix in ("", ".gz", ".br"):
        assert (collected_static / f"{hashed}{suffix}").is_file()


def test_every_public_page_links_hashed_static_files_that_are_served(site):
    pages, statics = crawl_public_pages(site)
    for name in ("index", "books", "book-detail", "authors", "author-detail", "login"):
        assert pages.get(name) == 200, (name, pages)
    assert "/static/css/styles.css" not in statics
    assert any(re.fullmatch(r"/static/css/styles\.[0-9a-f]{12}\.css", path) for path in statics)
    for path in sorted(statics):
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", path), f"{path} is not a hashed name"
        assert Browser().get(site + path).status == 200, path


def test_static_files_are_served_compressed_and_cached_for_ever(site):
    page = Browser().get(f"{site}/catalog/").text
    stylesheet = re.search(r'href="(/static/css/styles\.[0-9a-f]{12}\.css)"', page).group(1)
    response = Browser().get(f"{site}{stylesheet}", headers={"Accept-Encoding": "br"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "max-age=315360000" in response.headers["Cache-Control"]


# HTTPS behind the PaaS router, and the health probe


def test_a_page_the_router_marks_https_is_served(site):
    response = Browser().get(f"{site}/catalog/")
    assert response.status == 200
    assert "You have visited this page 1 time." in response.text
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_plain_http_is_redirected_to_https(site):
    response = Browser(via_router=False).get(f"{site}/catalog/books/")
    assert response.status == 301
    assert response.headers["Location"] == f"{site.replace('http:', 'https:')}/catalog/books/"


def test_the_session_cookie_is_secure_httponly_and_lax(site):
    response = Browser().get(f"{site}/catalog/")
    cookie = next(
        value for value in response.headers.get_all("Set-Cookie") if value.startswith("sessionid=")
    )
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert attribute in cookie


def test_the_health_probe_answers_ok_over_plain_http(site):
    response = Browser(via_router=False).get(f"{site}/healthz")
    assert response.status == 200
    assert response.text == "ok"


def test_the_health_probe_answers_503_when_the_database_is_unreachable(tmp_path):
    # A PostgreSQL URL on a port where nothing listens.
    env = production_env(f"postgres://library@127.0.0.1:{free_port()}/library")
    with web_server(env, tmp_path) as base_url:
        response = Browser(via_router=False).get(f"{base_url}/healthz")
    assert response.status == 503

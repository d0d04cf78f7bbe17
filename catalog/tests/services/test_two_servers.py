"""Past one machine: two app servers share one PostgreSQL and one Redis (cached_db sessions).

Two gunicorn servers (the Procfile's `web:` process) run on different loopback ports against
a database of their own on the PostgreSQL server and the same Redis. One browser going from
one server to the other, as a PaaS router would send it, keeps one visit count and one login.
"""

import os
import secrets
import urllib.parse
from contextlib import ExitStack

import psycopg
import pytest
from django.conf import settings

from ..servers import (
    Browser,
    collectstatic,
    csrf_token,
    manage,
    production_env,
    release,
    web_server,
)

USERNAME = "librarian"
PASSWORD = secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def database_url():
    """A database of its own on the services run's PostgreSQL server, dropped afterwards."""
    server_url = os.environ["DATABASE_URL"]
    name = f"locallibrary_servers_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def two_servers(database_url, tmp_path_factory):
    # One configuration for both, as on a PaaS: same secret key, database and Redis.
    env = production_env(
        database_url, DJANGO_SESSION_ENGINE="cached_db", REDIS_URL=settings.REDIS_URL
    )
    collectstatic(env)
    release(env)
    manage(
        "createsuperuser",
        "--noinput",
        f"--username={USERNAME}",
        "--email=librarian@example.org",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    log_dir = tmp_path_factory.mktemp("two-servers")
    with ExitStack() as servers:
        first = servers.enter_context(web_server(env, log_dir))
        second = servers.enter_context(web_server(env, log_dir))
        yield first, second


def visits_shown(browser, base_url):
    response = browser.get(f"{base_url}/catalog/")
    assert response.status == 200
    return response.text


def test_one_browser_keeps_one_visit_count_across_two_servers(two_servers):
    first, second = two_servers
    assert first != second
    browser = Browser()
    assert "You have visited this page 1 time." in visits_shown(browser, first)
    assert "You have visited this page 2 times." in visits_shown(browser, second)
    assert "You have visited this page 3 times." in visits_shown(browser, first)
    assert "You have visited this page 4 times." in visits_shown(browser, second)


def test_logging_in_on_one_server_logs_in_on_the_other(two_servers):
    first, second = two_servers
    browser = Browser()
    assert browser.get(f"{second}/catalog/mybooks/").status == 302
    # The login form comes from one server and is posted to the other, as a router may do.
    form = browser.get(f"{first}/accounts/login/")
    assert form.status == 200
    login = browser.post(
        f"{second}/accounts/login/",
        {
            "csrfmiddlewaretoken": csrf_token(form.text),
            "username": USERNAME,
            "password": PASSWORD,
        },
        headers={"Origin": second.replace("http:", "https:")},
    )
    assert login.status == 302, login.text
    for base_url in (first, second):
        page = browser.get(f"{base_url}/catalog/mybooks/")
        assert page.status == 200
        assert USERNAME in page.text

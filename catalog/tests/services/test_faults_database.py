"""PostgreSQL stopped under a running site, then started again: 503 meanwhile, then it works.

The Procfile's gunicorn (persistent, health-checked connections; cached_db sessions on the
services run's Redis) against a PostgreSQL server of this test's own, stopped and started
inside the test. No restart of the site in between.
"""

import pytest
from django.conf import settings

from ..servers import Browser, collectstatic, production_env, release, web_server
from .throwaway import PostgresServer


@pytest.fixture
def own_postgres():
    server = PostgresServer()
    try:
        server.start()
        server.create_database()
        yield server
    finally:
        server.remove()


@pytest.fixture
def site(own_postgres, tmp_path):
    env = production_env(
        own_postgres.url, DJANGO_SESSION_ENGINE="cached_db", REDIS_URL=settings.REDIS_URL
    )
    collectstatic(env)
    release(env)
    with web_server(env, tmp_path) as base_url:
        yield base_url


def test_a_stopped_database_answers_503_and_its_return_needs_no_restart(own_postgres, site):
    browser = Browser()
    assert "You have visited this page 1 time." in browser.get(f"{site}/catalog/").text
    assert Browser().get(f"{site}/healthz").status == 200

    own_postgres.stop()
    for _ in range(3):  # every worker thread's connection is broken, one after the other
        page = browser.get(f"{site}/catalog/")
        assert page.status == 503
        assert page.headers["Retry-After"] == "30"
        assert "Unavailable for a moment" in page.text
        assert "Traceback" not in page.text
    assert Browser().get(f"{site}/healthz").status == 503

    own_postgres.start()
    for visit in range(2, 6):
        page = browser.get(f"{site}/catalog/")
        assert page.status == 200
        assert f"You have visited this page {visit} times." in page.text
    assert Browser().get(f"{site}/healthz").status == 200

"""Redis gone, then back with what it held before: visitors never notice, the database wins.

Each test runs the site against a Redis of its own (cached_db sessions, the production cache
options) and takes it away in one of two ways: paused with `CLIENT PAUSE` (every command
waits; the data stays) or stopped after saving its data and started again, reading it back.
Either way Redis returns holding the entries from before the outage.
"""

import logging
import pickle
import time
from contextlib import contextmanager

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from locallibrary.session_backends.cached_db import KEY_PREFIX

from ..conftest import log_in_as_a_browser
from .throwaway import RedisServer

pytestmark = pytest.mark.django_db

# Long enough for the few requests of an outage at a socket timeout per cache call.
PAUSE_MS = 6000
OUTAGES = ["paused", "stopped and restarted with its data"]


@pytest.fixture
def own_redis(tmp_path, settings):
    server = RedisServer(tmp_path)
    server.start()
    # The default cache only: the template fragments stay in each process's memory.
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": server.url},
    }
    yield server
    server.stop()


@contextmanager
def redis_outage(server, kind):
    """Redis unreachable inside the block, back afterwards with the entries it held."""
    if kind == "paused":
        server.pause(PAUSE_MS)
        began = time.monotonic()
        yield
        left = PAUSE_MS / 1000 - (time.monotonic() - began)
        assert left > 0, "the requests outlasted the pause: raise PAUSE_MS"
        time.sleep(left)
    else:
        server.stop(keep_data=True)
        yield
        server.start()
    assert server.answers()


def session_key(client):
    return client.cookies["sessionid"].value


def held_by_redis(server, key):
    """The session data Redis holds for a key, whatever its generation; None if none."""
    raw = redis.Redis.from_url(server.url).get(cache.make_key(KEY_PREFIX + key))
    return None if raw is None else pickle.loads(raw)[1]


def generation_held_by_redis(server, key):
    raw = redis.Redis.from_url(server.url).get(cache.make_key(KEY_PREFIX + key))
    return pickle.loads(raw)[0]


def database_generation():
    """The generation every server checks an entry against (migration 0011)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM catalog_version WHERE name = 'sessions'")
        return cursor.fetchone()[0]


def timed_get(client, url):
    began = time.monotonic()
    response = client.get(url)
    took = time.monotonic() - began
    assert took < 1, f"{url} took {took:.2f}s"
    return response


def visits(client):
    response = timed_get(client, reverse("index"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("kind", OUTAGES)
def test_a_returning_visitor_keeps_counting_through_a_redis_outage(client, own_redis, kind):
    visits(client)
    visits(client)
    with redis_outage(own_redis, kind):
        assert "You have visited this page 3 times." in visits(client)
        assert "You have visited this page 4 times." in visits(client)
    # Redis is back with the count from before the outage; the database's count wins.
    assert held_by_redis(own_redis, session_key(client))["num_visits"] == 2
    assert "You have visited this page 5 times." in visits(client)
    assert "You have visited this page 6 times." in visits(client)


@pytest.mark.parametrize("kind", OUTAGES)
def test_a_logout_during_a_redis_outage_stays_done(client, member, own_redis, kind):
    log_in_as_a_browser(client, member)
    assert member.username in timed_get(client, reverse("my-borrowed")).content.decode()
    old_key = session_key(client)
    with redis_outage(own_redis, kind):
        began = time.monotonic()
        assert client.post(reverse("logout")).status_code == 200
        assert time.monotonic() - began < 1
    assert held_by_redis(own_redis, old_key) is not None  # the logged-in session, left over
    # No server will serve it: its generation is no longer the database's.
    assert generation_held_by_redis(own_redis, old_key) != database_generation()
    # Even a copy of the old cookie (another tab, a stolen cookie) is logged out.
    replay = Client()
    replay.cookies["sessionid"] = old_key
    response = timed_get(replay, reverse("my-borrowed"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("kind", OUTAGES)
def test_a_login_during_a_redis_outage_stays(client, member, own_redis, kind):
    visits(client)
    anonymous_key = session_key(client)
    with redis_outage(own_redis, kind):
        assert log_in_as_a_browser(client, member).status_code == 302
        assert timed_get(client, reverse("my-borrowed")).status_code == 200
    assert held_by_redis(own_redis, anonymous_key) is not None
    page = timed_get(client, reverse("my-borrowed"))
    assert page.status_code == 200
    assert member.username in page.content.decode()
    # The session from before the login is gone for good (the key changed at login).
    replay = Client()
    replay.cookies["sessionid"] = anonymous_key
    assert timed_get(replay, reverse("my-borrowed")).status_code == 302


def test_a_redis_outage_is_logged_once_a_minute_and_healthz_stays_200(client, own_redis, caplog):
    visits(client)
    [once_a_minute] = logging.getLogger("locallibrary.cache").filters
    once_a_minute._next_report = 0  # as if the last report were more than a minute ago
    own_redis.stop()
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            visits(client)
        # The site works without Redis: the platform's probe must not take it out of service.
        assert client.get(reverse("healthz")).status_code == 200
    reports = [r for r in caplog.records if r.name == "locallibrary.cache"]
    assert len(reports) == 1
    assert reports[0].levelno == logging.WARNING
    assert "Redis" in reports[0].getMessage()
    assert reports[0].exc_info is None

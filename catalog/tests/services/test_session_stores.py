"""Sessions on the real servers: rows in PostgreSQL, written through Redis under cached_db."""

import pickle

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from locallibrary.session_backends.cached_db import KEY_PREFIX

pytestmark = pytest.mark.django_db


def visit_home_page(client, times):
    for _ in range(times):
        response = client.get(reverse("index"))
    return response


def session_key(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def redis_key(key):
    """Where cached_db keeps a session in Redis (the cache key for it)."""
    return cache.make_key(KEY_PREFIX + key)


def stored_in_redis(key):
    """The session as Redis holds it, read with the Redis client itself.

    The entry is (generation, session data): locallibrary/session_backends/cached_db.py.
    """
    raw = redis.Redis.from_url(settings.REDIS_URL).get(redis_key(key))
    return None if raw is None else pickle.loads(raw)[1]


def test_the_suite_runs_on_postgresql_with_cached_db_sessions():
    assert connection.vendor == "postgresql"
    assert settings.SESSION_ENGINE == "locallibrary.session_backends.cached_db"


def test_session_rows_are_in_postgresql(client):
    visit_home_page(client, 2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT session_data FROM django_session WHERE session_key = %s", [session_key(client)]
        )
        (session_data,) = cursor.fetchone()
    assert Session(session_data=session_data).get_decoded()["num_visits"] == 2


def test_sessions_go_through_redis(client):
    visit_home_page(client, 3)
    assert stored_in_redis(session_key(client))["num_visits"] == 3


def test_a_session_lost_from_redis_is_read_back_from_postgresql(client):
    visit_home_page(client, 2)
    redis.Redis.from_url(settings.REDIS_URL).delete(redis_key(session_key(client)))
    response = visit_home_page(client, 1)
    assert "You have visited this page 3 times." in response.content.decode()
    assert stored_in_redis(session_key(client))["num_visits"] == 3


def test_logging_out_removes_the_session_from_redis_and_postgresql(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="a-long-test-password")
    client.force_login(user)
    key = session_key(client)
    assert stored_in_redis(key) is not None
    client.post(reverse("logout"))
    assert stored_in_redis(key) is None
    assert not Session.objects.filter(session_key=key).exists()


def test_an_entry_redis_holds_from_another_generation_is_never_served(client):
    """What Redis kept from before an outage (another generation) loses to the database."""
    visit_home_page(client, 2)
    key = session_key(client)
    stale = pickle.dumps(("a generation from before an outage", {"num_visits": 99}))
    redis.Redis.from_url(settings.REDIS_URL).set(redis_key(key), stale)
    response = visit_home_page(client, 1)
    assert "You have visited this page 3 times." in response.content.decode()

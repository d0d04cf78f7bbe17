"""Guessing passwords does not work: 5 failed logins lock a user name out from one address.

Real middleware, real backend, lockout records in the real database (django-axes); the
client address varies through REMOTE_ADDR and X-Forwarded-For as a proxy would send it.
"""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from catalog.accounts import LOCKED_OUT, cool_off_minutes

from .factories import PASSWORD
from .servers import manage, production_env

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"
LIMIT = 5


def log_in_from(client, username, password, address="203.0.113.7", forwarded=None, url=None):
    """Show the login form and send it, from `address` (and through proxies: `forwarded`)."""
    meta = {"REMOTE_ADDR": address}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    url = url or reverse("login")
    client.get(url, **meta)
    return client.post(url, {"username": username, "password": password}, **meta)


def fail(client, username, times=LIMIT, **where):
    for _ in range(times):
        response = log_in_from(client, username, WRONG, **where)
    return response


def logged_in(client):
    return "_auth_user_id" in client.session


def locked_out_message():
    return LOCKED_OUT.format(minutes=cool_off_minutes())


def assert_is_the_lockout_page(response):
    assert response.status_code == 429
    content = response.content.decode()
    assert locked_out_message() in content
    assert len(re.findall(r"<h1[\s>]", content)) == 1
    assert "<title>Login refused for a while" in content


def test_member_is_refused_with_the_right_password_after_five_failures(client, member):
    fail(client, member.username)

    response = log_in_from(client, member.username, PASSWORD)

    assert_is_the_lockout_page(response)
    assert not logged_in(client)


def test_the_fifth_failure_already_says_to_wait(client, member):
    assert log_in_from(client, member.username, WRONG).status_code == 200
    assert_is_the_lockout_page(fail(client, member.username, times=LIMIT - 1))


def test_four_failures_still_let_the_right_password_in(client, member):
    fail(client, member.username, times=LIMIT - 1)

    response = log_in_from(client, member.username, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_a_successful_login_resets_the_count(client, member):
    fail(client, member.username, times=LIMIT - 1)
    log_in_from(client, member.username, PASSWORD)
    client.post(reverse("logout"))

    fail(client, member.username, times=LIMIT - 1)
    response = log_in_from(client, member.username, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_another_address_can_still_log_in_to_a_locked_account(client, member):
    """A stranger's guesses cannot lock the patron out of their own account."""
    fail(client, member.username, address="198.51.100.66")

    response = log_in_from(Client(), member.username, PASSWORD, address="203.0.113.7")

    assert response.status_code == 302


def test_the_same_address_can_log_in_to_another_account(client, member, librarian):
    fail(client, member.username)

    response = log_in_from(client, librarian.username, PASSWORD)

    assert response.status_code == 302


def test_a_refused_login_changes_nothing(client, member):
    """Tries during the lockout neither count nor push its end further away."""
    fail(client, member.username)
    attempt = AccessAttempt.objects.get(username=member.username)

    for password in (WRONG, PASSWORD):
        assert_is_the_lockout_page(log_in_from(client, member.username, password))

    again = AccessAttempt.objects.get(username=member.username)
    assert (again.failures_since_start, again.attempt_time) == (LIMIT, attempt.attempt_time)
    assert not logged_in(client)


def test_the_lockout_ends_after_fifteen_minutes(client, member):
    fail(client, member.username)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=15)
    )

    response = log_in_from(client, member.username, PASSWORD)

    assert response.status_code == 302


def test_a_lockout_fourteen_minutes_old_still_holds(client, member):
    fail(client, member.username)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=14)
    )

    assert_is_the_lockout_page(log_in_from(client, member.username, PASSWORD))


def test_the_reset_command_lifts_a_lockout(client, member):
    fail(client, member.username)

    call_command("axes_reset_username", member.username, verbosity=0)

    assert log_in_from(client, member.username, PASSWORD).status_code == 302


def test_the_admin_login_locks_out_too(client, librarian):
    admin_login = reverse("admin:login")
    fail(client, librarian.username, url=admin_login)

    response = log_in_from(client, librarian.username, PASSWORD, url=admin_login)

    assert_is_the_lockout_page(response)
    assert not logged_in(client)
    # The same pair is refused on the site's own login as well.
    assert_is_the_lockout_page(log_in_from(client, librarian.username, PASSWORD))


def test_librarians_see_and_lift_lockouts_in_the_admin(client, member, librarian):
    patron_browser = Client()
    fail(patron_browser, member.username)
    client.force_login(librarian)

    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert member.username in response.content.decode()
    attempt = AccessAttempt.objects.get(username=member.username)
    delete_url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302

    assert log_in_from(patron_browser, member.username, PASSWORD).status_code == 302


def test_the_test_clients_login_and_force_login_still_work_for_a_locked_pair(member):
    fail(Client(), member.username, address="127.0.0.1")

    assert Client().login(username=member.username, password=PASSWORD)
    client = Client()
    client.force_login(member)
    assert client.get(reverse("my-borrowed")).status_code == 200


def test_the_test_clients_login_with_a_wrong_password_still_fails(member):
    assert not Client().login(username=member.username, password=WRONG)


# The client address: the socket's, or the one the trusted proxies appended.


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, member):
    """A guesser cannot escape the lockout by sending a new X-Forwarded-For each time."""
    for i in range(LIMIT):
        log_in_from(client, member.username, WRONG, forwarded=f"192.0.2.{i}")

    response = log_in_from(client, member.username, PASSWORD, forwarded="192.0.2.99")

    assert_is_the_lockout_page(response)


def test_behind_one_proxy_the_address_it_appended_is_the_clients(client, member, settings):
    settings.TRUSTED_PROXIES = 1
    # The client may send its own X-Forwarded-For; the router appends the real address.
    for i in range(LIMIT):
        forwarded = f"192.0.2.{i}, 198.51.100.5"
        log_in_from(client, member.username, WRONG, address="10.0.0.1", forwarded=forwarded)

    assert AccessAttempt.objects.get().ip_address == "198.51.100.5"
    response = log_in_from(
        client, member.username, PASSWORD, address="10.0.0.1", forwarded="198.51.100.5"
    )
    assert_is_the_lockout_page(response)


def test_behind_one_proxy_another_client_address_can_log_in(client, member, settings):
    """All requests come from the router's socket: the forwarded address tells clients apart."""
    settings.TRUSTED_PROXIES = 1
    fail(client, member.username, address="10.0.0.1", forwarded="198.51.100.5")

    response = log_in_from(
        Client(), member.username, PASSWORD, address="10.0.0.1", forwarded="203.0.113.20"
    )

    assert response.status_code == 302


def test_behind_two_proxies_the_address_the_first_appended_is_the_clients(client, member, settings):
    settings.TRUSTED_PROXIES = 2
    log_in_from(
        client,
        member.username,
        WRONG,
        address="10.0.0.1",
        forwarded="192.0.2.1, 198.51.100.5, 10.0.0.2",
    )

    assert AccessAttempt.objects.get().ip_address == "198.51.100.5"


@pytest.mark.parametrize("forwarded", ["", "garbage", "198.51.100.5:443, ???", " , "])
def test_a_forwarded_address_that_is_not_one_falls_back_to_the_socket(
    client, member, settings, forwarded
):
    settings.TRUSTED_PROXIES = 1

    response = log_in_from(client, member.username, WRONG, address="10.0.0.1", forwarded=forwarded)

    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "10.0.0.1"


def test_a_new_user_agent_for_each_try_does_not_escape_the_lockout(client, member):
    login = reverse("login")
    for i in range(LIMIT):
        client.get(login, REMOTE_ADDR="203.0.113.7")
        client.post(
            login,
            {"username": member.username, "password": WRONG},
            REMOTE_ADDR="203.0.113.7",
            HTTP_USER_AGENT=f"Browser/{i}",
        )

    response = log_in_from(client, member.username, PASSWORD, address="203.0.113.7")

    assert_is_the_lockout_page(response)


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_a_trusted_proxies_value_that_is_not_a_count_stops_with_one_line_naming_it(tmp_path, value):
    env = production_env(f"sqlite:///{tmp_path}/db.sqlite3", DJANGO_TRUSTED_PROXIES=value)
    result = manage("check", env=env, check=False)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"DJANGO_TRUSTED_PROXIES={value!r} is not a whole number "
        "(the number of proxies in front of the site, 0 for none)."
    )


def test_an_overlong_user_name_is_counted_like_any_wrong_name_never_a_500(client):
    for _ in range(LIMIT):
        response = log_in_from(client, "x" * 10_000, WRONG)
        assert response.status_code in (200, 429)

    assert not logged_in(client)
    assert AccessAttempt.objects.get().username == "x" * 150
    assert_is_the_lockout_page(log_in_from(client, "x" * 10_000, WRONG))

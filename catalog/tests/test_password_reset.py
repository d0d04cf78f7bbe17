"""Password reset: at most 3 e-mails per address per hour, and a failing mail server is no 500.

The count lives in the real database (the admin's history of the account); the mail
servers that fail are real sockets: a closed port, and one that never answers.
"""

import datetime
import logging
import socket

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from catalog.accounts import PASSWORD_RESET_LIMIT

from .factories import MemberFactory
from .mail_backends import REFUSING

pytestmark = pytest.mark.django_db


def ask_for_a_reset(client, email):
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    return response


def test_a_fourth_request_within_the_hour_sends_nothing(client, member):
    for _ in range(PASSWORD_RESET_LIMIT):
        ask_for_a_reset(client, member.email)
    assert len(mail.outbox) == PASSWORD_RESET_LIMIT

    for _ in range(9):
        ask_for_a_reset(client, member.email)

    assert len(mail.outbox) == PASSWORD_RESET_LIMIT


def test_the_page_after_the_limit_is_the_same_sent_page(client, member):
    sent_page = client.get(ask_for_a_reset(client, member.email).url).content
    for _ in range(PASSWORD_RESET_LIMIT):
        response = ask_for_a_reset(client, member.email)
    assert client.get(response.url).content == sent_page


def test_the_limit_counts_an_address_whatever_its_case(client, member):
    for email in (member.email, member.email.upper(), member.email.title(), member.email):
        ask_for_a_reset(client, email)
    assert len(mail.outbox) == PASSWORD_RESET_LIMIT


def test_another_address_still_gets_its_e_mail(client, member):
    for _ in range(PASSWORD_RESET_LIMIT):
        ask_for_a_reset(client, member.email)
    other = MemberFactory()

    ask_for_a_reset(client, other.email)

    assert mail.outbox[-1].to == [other.email]


def test_two_accounts_sharing_an_address_share_its_limit(client):
    first = MemberFactory(email="family@example.org")
    MemberFactory(email="family@example.org")
    ask_for_a_reset(client, first.email)
    ask_for_a_reset(client, first.email)
    assert len(mail.outbox) == PASSWORD_RESET_LIMIT


def test_requests_of_more_than_an_hour_ago_no_longer_count(client, member):
    for _ in range(PASSWORD_RESET_LIMIT):
        ask_for_a_reset(client, member.email)
    LogEntry.objects.update(action_time=datetime.datetime.now(datetime.UTC).replace(year=2000))

    ask_for_a_reset(client, member.email)

    assert len(mail.outbox) == PASSWORD_RESET_LIMIT + 1


def test_each_e_mail_sent_is_in_the_accounts_admin_history(client, member):
    ask_for_a_reset(client, member.email)
    client.force_login(MemberFactory(is_staff=True, is_superuser=True))

    history = client.get(reverse("admin:auth_user_history", args=[member.pk]))

    assert "Password reset e-mail sent" in history.content.decode()


def test_an_unknown_address_gets_the_same_page_and_no_e_mail(client, member):
    sent_page = client.get(ask_for_a_reset(client, member.email).url).content

    response = ask_for_a_reset(client, "nobody@example.org")

    assert client.get(response.url).content == sent_page
    assert len(mail.outbox) == 1
    assert not LogEntry.objects.filter(change_message__contains="nobody").exists()


# A mail server that fails: the "sent" page still answers, a WARNING says why.


def assert_failure_is_logged_and_page_answers(client, member, caplog):
    with caplog.at_level(logging.WARNING):
        ask_for_a_reset(client, member.email)
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert any("Reset your LocalLibrary password" in record.getMessage() for record in warnings)
    assert client.get(reverse("password_reset_done")).status_code == 200


def test_a_refusing_mail_server_is_logged_and_the_page_answers(client, member, settings, caplog):
    settings.EMAIL_BACKEND = REFUSING
    assert_failure_is_logged_and_page_answers(client, member, caplog)


@pytest.fixture
def smtp(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 1
    return settings


def test_a_closed_mail_port_is_logged_and_the_page_answers(client, member, smtp, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp.EMAIL_PORT = probe.getsockname()[1]
    assert_failure_is_logged_and_page_answers(client, member, caplog)


def test_a_mail_server_that_never_answers_times_out(client, member, smtp, caplog):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        smtp.EMAIL_PORT = silent.getsockname()[1]
        assert_failure_is_logged_and_page_answers(client, member, caplog)

"""Accounts (tutorial part 8): login with the test-cookie check, CSRF, logout, passwords."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from catalog.accounts import COOKIES_REFUSED as COOKIES_MESSAGE

from .factories import PASSWORD, SiteNoticeFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# The test-cookie check


def test_showing_the_login_form_sets_the_test_cookie(client):
    client.get(reverse("login"))
    assert client.session.test_cookie_worked()


def test_login_with_cookies_logs_in_and_deletes_the_test_cookie(client, member, log_in):
    response = log_in(client, member)
    assert response.status_code == 302
    assert response.url == "/"
    assert logged_in_user_id(client) == str(member.pk)
    assert not client.session.test_cookie_worked()
    home = client.get("/", follow=True).content.decode()
    assert f"You are logged in as {member.username}." in home


def test_login_without_cookies_is_refused_with_the_cookies_message(member):
    browser_without_cookies = Client()
    response = browser_without_cookies.post(
        reverse("login"), {"username": member.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert COOKIES_MESSAGE in response.content.decode()
    assert logged_in_user_id(browser_without_cookies) is None


def test_a_refused_login_says_only_why_whatever_was_left_empty():
    response = Client().post(reverse("login"), {"username": "x" * 300})
    content = response.content.decode()
    assert COOKIES_MESSAGE in content
    assert "This field is required." not in content
    assert "Ensure this value" not in content


def test_the_refused_login_form_keeps_the_typed_user_name(member):
    response = Client().post(reverse("login"), {"username": member.username, "password": PASSWORD})
    content = response.content.decode()
    assert re.search(rf'<input[^>]*name="username"[^>]*value="{member.username}"', content)
    assert 'value="' + PASSWORD not in content


def test_the_typed_user_name_is_escaped_when_shown_again():
    response = Client().post(reverse("login"), {"username": '"><script>x()</script>'})
    content = response.content.decode()
    assert "<script>x()" not in content
    assert "&quot;&gt;&lt;script&gt;" in content


def test_a_retry_after_enabling_cookies_logs_in(member):
    browser = Client()
    browser.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    # The refusal set the test cookie again: a browser that now keeps it can log in.
    response = browser.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(browser) == str(member.pk)


def test_wrong_password_gets_djangos_usual_error(client, member, log_in):
    response = log_in(client, member, password="not-the-password")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in content
    assert COOKIES_MESSAGE not in content
    assert logged_in_user_id(client) is None


def test_empty_login_form_says_which_fields_are_missing(client, log_in):
    response = log_in(client, "", password="")
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2


def test_login_rotates_the_session_key(client, member):
    client.get(reverse("login"))
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_login_keeps_what_the_session_remembered(client, member, log_in):
    client.get(reverse("index"))
    log_in(client, member)
    assert client.session["num_visits"] == 1


# Where login leads


def test_login_goes_to_an_on_site_next(client, member, log_in):
    response = log_in(client, member, next="/catalog/books/")
    assert response.url == "/catalog/books/"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example", "http://evil.example/catalog/", "javascript:x()"],
)
def test_login_ignores_an_off_site_next(client, member, next_url, log_in):
    response = log_in(client, member, next=next_url)
    assert response.status_code == 302
    assert response.url == "/"


def test_login_page_keeps_an_on_site_next_in_its_form(client):
    response = client.get(reverse("login") + "?next=/catalog/mybooks/")
    assert 'name="next" value="/catalog/mybooks/"' in response.content.decode()


def test_login_page_drops_an_off_site_next_from_its_form(client):
    response = client.get(reverse("login") + "?next=//evil.example")
    assert 'name="next" value=""' in response.content.decode()


# CSRF


def test_login_without_a_csrf_token_is_refused(member, csrf_client):
    browser = csrf_client
    browser.get(reverse("login"))
    response = browser.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    assert response.status_code == 403
    assert logged_in_user_id(browser) is None
    assert "Form not accepted" in response.content.decode()


def test_login_with_the_csrf_token_logs_in(member, csrf_token, csrf_client):
    browser = csrf_client
    token = csrf_token(browser.get(reverse("login")))
    response = browser.post(
        reverse("login"),
        {"username": member.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert logged_in_user_id(browser) == str(member.pk)


def test_a_browser_blocking_cookies_gets_the_cookies_message_on_the_login_page(member, csrf_client):
    browser_blocking_cookies = csrf_client
    response = browser_blocking_cookies.post(
        reverse("login"),
        {"username": member.username, "password": PASSWORD, "csrfmiddlewaretoken": "x" * 64},
    )
    content = response.content.decode()
    assert response.status_code == 403
    assert COOKIES_MESSAGE in content
    assert "CSRF verification failed" not in content
    assert "<h1>Log in</h1>" in content
    assert re.search(rf'<input[^>]*name="username"[^>]*value="{member.username}"', content)
    assert f'action="{reverse("login")}"' in content
    assert logged_in_user_id(browser_blocking_cookies) is None


def test_any_form_sent_without_cookies_explains_about_cookies(csrf_client):
    notice = SiteNoticeFactory()
    response = csrf_client.post(reverse("dismiss-notice", args=[notice.pk]), {"next": "/catalog/"})
    assert response.status_code == 403
    assert COOKIES_MESSAGE in response.content.decode()


def test_the_cookies_page_offers_a_working_login_form(member, csrf_token, csrf_client):
    browser = csrf_client
    refused = browser.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    # Once the browser keeps the cookies the refusal set, the form on that page works.
    token = csrf_token(refused)
    response = browser.post(
        reverse("login"),
        {"username": member.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert logged_in_user_id(browser) == str(member.pk)


# Logout


def test_logout_by_post_flushes_the_session(client, member, log_in):
    log_in(client, member)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post(reverse("logout"))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "registration/logged_out.html"
    assert "Logged out!" in response.content.decode()
    assert not Session.objects.filter(session_key=session_key).exists()
    assert logged_in_user_id(client) is None


def test_logout_by_get_is_not_allowed_and_points_to_the_button(client, member, log_in):
    log_in(client, member)
    response = client.get(reverse("logout"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "This address is a button" in response.content.decode()
    assert logged_in_user_id(client) == str(member.pk)


def test_header_has_a_logout_form_for_a_logged_in_user(member_client, member):
    content = member_client.get(reverse("books")).content.decode()
    assert member.username in content
    assert re.search(r'<form[^>]*method="post"[^>]*action="/accounts/logout/"', content)


def test_header_offers_login_back_to_this_page_for_anonymous_visitors(client):
    content = client.get(reverse("books") + "?page=1").content.decode()
    assert 'href="/accounts/login/?next=/catalog/books/%3Fpage%3D1"' in content


# Passwords


def test_password_reset_by_email_sets_a_new_password(client, member):
    response = client.post(reverse("password_reset"), {"email": member.email})
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your LocalLibrary password"
    link = re.search(r"https://testserver(/accounts/reset/\S+)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    assert "Enter your new password twice." in form_page.content.decode()
    new_password = "another-long-password-42"
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.url == reverse("password_reset_complete")
    assert Client().login(username=member.username, password=new_password)


def test_password_reset_for_an_unknown_address_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_bad_password_reset_link_says_so(client):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "bad-token"]))
    assert response.status_code == 200
    assert "This password reset link is not valid" in response.content.decode()


def test_password_change_needs_a_login(client):
    response = client.get(reverse("password_change"))
    assert response.url == reverse("login") + "?next=" + reverse("password_change")


def test_a_member_can_change_their_password(member_client, member):
    new_password = "another-long-password-42"
    response = member_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.url == reverse("password_change_done")
    assert Client().login(username=member.username, password=new_password)


def test_a_wrong_old_password_is_shown_next_to_its_field(member_client, member):
    new = "another-long-password-42"
    response = member_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()


def test_login_without_cookies_is_the_form_s_own_error(client):
    """The refusal is a non-field error of the login form, so it shows where errors do."""
    response = client.post(reverse("login"), {"username": "someone", "password": "x"})
    assert response.context["form"].non_field_errors() == [COOKIES_MESSAGE]
    assert response.context["form"]["username"].value() == "someone"


def test_a_browser_sending_no_cookie_over_https_gets_the_cookies_message(csrf_client):
    """Over HTTPS Django checks the Referer first: the page still says what is wrong."""
    browser = csrf_client
    response = browser.post(
        reverse("login"),
        {"username": "someone", "password": "x"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 403
    assert COOKIES_MESSAGE in response.content.decode()


# Who is logged in and what they may do (catalog.accounts.PermissionsBackend)


def test_a_permission_given_to_the_user_alone_opens_the_page_it_guards(client, member):
    client.force_login(member)
    assert client.get(reverse("all-holds")).status_code == 403
    member.user_permissions.add(Permission.objects.get(codename="can_mark_returned"))
    assert client.get(reverse("all-holds")).status_code == 200


def test_a_librarian_s_group_permissions_show_the_staff_links(librarian_client):
    content = librarian_client.get(reverse("index")).content.decode()
    assert reverse("circulation-desk") in content
    assert reverse("book-create") in content


def test_a_superuser_may_use_every_staff_page_without_a_group(client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(reverse("all-holds")).status_code == 200
    assert reverse("import-books") in client.get(reverse("index")).content.decode()


def test_a_deactivated_account_is_logged_out_on_its_next_page(client, member):
    client.force_login(member)
    member.is_active = False
    member.save()
    response = client.get(reverse("my-borrowed"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_deleted_account_is_logged_out_on_its_next_page(client, member):
    client.force_login(member)
    member.delete()
    assert client.get(reverse("my-borrowed")).status_code == 302

"""The session as a real browser keeps it: the visit counter and the login's cookie check."""

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from catalog.accounts import COOKIES_REFUSED

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_visitor_sees_the_count_grow_and_a_fresh_browser_starts_again(live_server, new_context):
    page = new_context().new_page()
    visits = page.locator(".visits")
    for count in ("1 time", "2 times", "3 times"):
        page.goto(f"{live_server.url}/catalog/")
        expect(visits).to_have_text(f"You have visited this page {count}.")
    # With DEBUG off the session cookie is Secure; Chromium keeps it on http://localhost
    # because it treats localhost as a secure context, so the count above could grow.
    (session_cookie,) = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert session_cookie["secure"] and session_cookie["httpOnly"]

    other = new_context().new_page()
    other.goto(f"{live_server.url}/catalog/")
    expect(other.locator(".visits")).to_have_text("You have visited this page 1 time.")


def test_browser_that_blocks_cookies_is_told_why_login_failed(
    live_server, library, cookie_blocking_context
):
    page = cookie_blocking_context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("patron")
    page.get_by_label("Password").fill("a-long-test-password")
    with page.expect_request(lambda request: request.method == "POST") as login_post:
        page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    # The browser really refused the cookies: it keeps none and sent none with the form.
    assert cookie_blocking_context.cookies() == []
    assert "cookie" not in login_post.value.all_headers()
    # Without a CSRF cookie the form fails Django's CSRF check: the site's own view says why.
    assert login_post.value.response().status == 403
    expect(page.get_by_role("alert")).to_have_text(COOKIES_REFUSED)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator(".account")).not_to_contain_text("patron")
    expect(page.locator(".account").get_by_role("link", name="Login")).to_be_visible()
    assert not any("_auth_user_id" in s.get_decoded() for s in Session.objects.all())


def test_same_credentials_log_in_when_the_browser_accepts_cookies(live_server, library, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("patron")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".account-user")).to_have_text("User: patron")
    expect(page.get_by_text(COOKIES_REFUSED)).to_have_count(0)

"""Loans in a real browser: a librarian renews a copy, a patron sees their own loans."""

import datetime

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from playwright.sync_api import expect

from catalog.tests.factories import BookFactory, LoanedCopyFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_librarian_renews_a_loan_after_a_date_too_far_ahead_is_refused(library, log_in, page):
    log_in(page, "librarian")
    page.get_by_role("link", name="All borrowed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All borrowed books")
    page.get_by_role("link", name="Renew The Wind in the Willows").click()

    today = timezone.localdate()
    renewal = page.get_by_label("Renewal date")
    renewal.fill(f"{today + datetime.timedelta(weeks=5):%Y-%m-%d}")
    page.get_by_role("button", name="Renew").click()
    expect(page.get_by_text("Invalid date - renewal more than 4 weeks ahead")).to_be_visible()

    new_due_date = today + datetime.timedelta(weeks=2)
    renewal.fill(f"{new_due_date:%Y-%m-%d}")
    page.get_by_role("button", name="Renew").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("All borrowed books")
    row = page.get_by_role("row").filter(has_text="The Wind in the Willows")
    expect(row).to_contain_text(date_filter(new_due_date))
    expect(row).to_contain_text("patron")


def test_patron_sees_only_their_own_loans_then_logs_out(live_server, library, log_in, page):
    someone_else = MemberFactory(username="neighbour")
    LoanedCopyFactory(book=BookFactory(title="Moby Dick"), borrower=someone_else)

    log_in(page, "patron")
    expect(page.locator(".account-user")).to_have_text("User: patron")
    page.get_by_role("link", name="My borrowed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Borrowed books")
    expect(page.get_by_role("link", name="The Wind in the Willows")).to_be_visible()
    expect(page.get_by_text("Moby Dick")).to_have_count(0)

    page.get_by_role("button", name="Logout").click()
    expect(page.locator(".account").get_by_role("link", name="Login")).to_be_visible()
    expect(page.locator(".account-user")).to_have_count(0)
    page.goto(f"{live_server.url}/catalog/mybooks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

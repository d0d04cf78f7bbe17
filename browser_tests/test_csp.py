"""The Content-Security-Policy in a real browser: every kind of page, the admin's included,
works under it, and Chromium reports no violation.

Chromium writes each blocked script, style or image to the console ("... violates the
following Content Security Policy directive ..."): a page fails on any such line.
"""

import pytest
from playwright.sync_api import expect

from catalog.models import BookInstance
from catalog.tests.factories import (
    BookInstanceFactory,
    LoanedCopyFactory,
    MemberFactory,
    SiteNoticeFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Pages anyone can open (one of each kind), then the patron's, then the librarian's.
PUBLIC_PAGES = [
    "/catalog/",
    "/catalog/books/",
    "/catalog/book/{book.pk}",
    "/catalog/authors/",
    "/catalog/author/{book.author.pk}",
    "/catalog/genres/",
    "/catalog/genre/{genre.pk}",
    "/catalog/languages/",
    "/catalog/bookinstances/",
    "/catalog/bookinstance/{loan.pk}",
    "/catalog/search/?q=wind",
    "/catalog/preferences/",
    "/catalog/no-such-page/",
    "/accounts/login/",
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/admin/login/",
]
PATRON_PAGES = [
    "/catalog/mybooks/",
    "/catalog/mybooks/history/",
    "/catalog/myholds/",
    "/accounts/password_change/",
]
LIBRARIAN_PAGES = [
    "/catalog/borrowed/",
    "/catalog/holds/",
    "/catalog/desk/",
    "/catalog/desk/?copy={loan.pk}",
    "/catalog/patron/{patron.pk}/",
    "/catalog/book/{loan.pk}/renew/",
    "/catalog/bookinstance/{available.pk}/lend/",
    "/catalog/bookinstance/{available.pk}/label/",
    "/catalog/book/create/",
    "/catalog/book/{book.pk}/update/",
    "/catalog/author/{book.author.pk}/delete/",
    "/catalog/bookinstance/create/",
    "/catalog/import/",
    "/catalog/reports/",
    # The admin: its index, changelists (filters, search, date hierarchy) and change forms
    # (autocomplete, two-box genre picker, inlines, calendars, raw-id lookups).
    "/admin/",
    "/admin/catalog/book/",
    "/admin/catalog/book/{book.pk}/change/",
    "/admin/catalog/book/add/",
    "/admin/catalog/author/{book.author.pk}/change/",
    "/admin/catalog/bookinstance/",
    "/admin/catalog/bookinstance/{loan.pk}/change/",
    "/admin/catalog/sitenotice/add/",
    "/admin/auth/user/",
    "/admin/auth/user/{patron.pk}/change/",
    "/admin/axes/accessattempt/",
]


def csp_violations_of(page):
    """Collect, from now on, what the browser says the policy blocked on `page`."""
    violations = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


@pytest.fixture
def site(library):
    """The shared library, plus a notice on every page, a copy on the shelf, a genre page."""
    SiteNoticeFactory(text="Closed on Monday")
    library["librarian"].is_superuser = True
    library["librarian"].save()
    return {
        **library,
        "genre": library["book"].genre.first(),
        "available": BookInstanceFactory(
            book=library["book"], status=BookInstance.LoanStatus.AVAILABLE
        ),
    }


def visit_all(page, live_server, paths, site):
    """Open each page and wait for it to settle; {path: violations} for those that had any."""
    violations = csp_violations_of(page)
    found = {}
    for path in paths:
        violations.clear()
        response = page.goto(live_server.url + path.format(**site))
        page.wait_for_load_state("networkidle")
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        if violations:
            found[path] = list(violations)
    return found


def test_public_pages_work_under_the_policy(live_server, site, page):
    assert visit_all(page, live_server, PUBLIC_PAGES, site) == {}


def test_patron_pages_work_under_the_policy(live_server, site, log_in, page):
    log_in(page, "patron")
    assert visit_all(page, live_server, PATRON_PAGES, site) == {}


def test_librarian_and_admin_pages_work_under_the_policy(live_server, site, log_in, page):
    LoanedCopyFactory(borrower=MemberFactory())
    log_in(page, "librarian")
    assert visit_all(page, live_server, LIBRARIAN_PAGES, site) == {}


def test_the_admins_widgets_work_under_the_policy(live_server, site, log_in, page):
    """Open the calendar, the genre picker and the author autocomplete, as a librarian would."""
    log_in(page, "librarian")
    violations = csp_violations_of(page)
    page.goto(f"{live_server.url}/admin/catalog/book/{site['book'].pk}/change/")
    page.locator("#id_genre_remove_all").click()
    page.locator("#id_genre_add_all").click()
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("a")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/catalog/bookinstance/{site['loan'].pk}/change/")
    page.locator("#calendarlink0").click()
    page.locator(".calendarbox").first.get_by_role("link", name="Today").click()
    expect(page.get_by_label("Due back")).not_to_have_value("")
    assert violations == []


def test_the_lockout_page_works_under_the_policy(live_server, site, log_in, page):
    violations = csp_violations_of(page)
    for _ in range(5):
        log_in(page, "patron", password="not-the-password")
    assert "Login refused for a while" in page.title()
    assert violations == []


def test_a_violation_would_be_caught(live_server, page):
    """The check sees what the policy blocks: an image from another site, an inline style."""
    violations = csp_violations_of(page)
    page.goto(f"{live_server.url}/catalog/")
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
            '<img src="https://elsewhere.example/pixel.png" alt=""><p style="color: red">x</p>')"""
    )
    page.wait_for_timeout(200)
    assert len(violations) == 2

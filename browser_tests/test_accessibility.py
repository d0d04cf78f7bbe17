"""Accessibility in a real browser: axe-core's audit, headings, labels, keyboard use."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# axe-core, pinned in package-lock.json and installed by `npm ci` (make test-browser).
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

# (who is logged in, the page's path): the home page, lists, details, the login page and
# forms, as each kind of visitor sees them.
PAGES = [
    (None, "/catalog/"),
    (None, "/catalog/books/"),
    (None, "/catalog/book/{book.pk}"),
    (None, "/catalog/authors/"),
    (None, "/catalog/author/{book.author.pk}"),
    (None, "/catalog/bookinstances/"),
    (None, "/catalog/search/?q=wind"),
    (None, "/catalog/preferences/"),
    (None, "/accounts/login/"),
    (None, "/accounts/password_reset/"),
    ("patron", "/catalog/mybooks/"),
    ("librarian", "/catalog/borrowed/"),
    ("librarian", "/catalog/book/{loan.pk}/renew/"),
    ("librarian", "/catalog/book/create/"),
]
PAGE_IDS = [f"{who or 'visitor'}:{path.split('{')[0]}" for who, path in PAGES]


@pytest.fixture(params=PAGES, ids=PAGE_IDS)
def site_page(request, live_server, library, log_in, page):
    """The page open in the browser, as its visitor sees it."""
    who, path = request.param
    if who:
        log_in(page, who)
    page.goto(live_server.url + path.format(**library))
    return page


def serious_axe_violations(page):
    # axe-core is the harness's own script, run through the browser's debugging channel: the
    # page's Content-Security-Policy (no inline script) governs the page's scripts, not it, so
    # every page is audited under its real policy, and no browser context bypasses it.
    page.evaluate(AXE.read_text())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def unlabelled_fields(page):
    """Visible form fields that a screen reader could not name."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(field => field.type !== 'hidden' && field.offsetParent !== null)
            .filter(field => !field.labels.length && !field.getAttribute('aria-label')
                             && !field.getAttribute('aria-labelledby'))
            .map(field => field.outerHTML)"""
    )


def focused(page):
    return page.evaluate("() => document.activeElement.outerHTML")


def test_page_has_no_serious_or_critical_axe_violation(site_page):
    assert serious_axe_violations(site_page) == []


def test_page_has_one_h1_and_labelled_form_fields(site_page):
    expect(site_page.locator("h1")).to_have_count(1)
    assert unlabelled_fields(site_page) == []


def press_tab_until(page, locator, key="Tab", limit=25):
    """Tab through the page as a keyboard user does until `locator` has the focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached it; last focus: {focused(page)}")


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(site_page):
    skip_link = site_page.get_by_role("link", name="Skip to main content")
    autofocused = site_page.locator("[autofocus]")
    if autofocused.count():
        # The login form puts the focus in its first field, already in the main content;
        # the skip link is then the first stop backwards from the top of the page.
        expect(autofocused).to_be_focused()
        expect(site_page.locator("main [autofocus]")).to_have_count(1)
        press_tab_until(site_page, skip_link, key="Shift+Tab")
    else:
        site_page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    site_page.keyboard.press("Enter")
    expect(site_page.locator("main")).to_be_focused()


def test_visitor_searches_with_the_keyboard_alone(live_server, library, page):
    page.goto(f"{live_server.url}/catalog/")
    press_tab_until(page, page.get_by_role("searchbox", name="Search the catalog"))
    page.keyboard.type("willows")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/catalog/search/?q=willows")
    result = page.get_by_role("main").get_by_role("link", name="The Wind in the Willows")
    press_tab_until(page, page.get_by_role("navigation", name="Main").get_by_role("link").first)
    press_tab_until(page, result)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("The Wind in the Willows")


def test_patron_logs_in_and_out_with_the_keyboard_alone(live_server, library, page):
    page.goto(f"{live_server.url}/catalog/")
    press_tab_until(page, page.get_by_role("link", name="Login"))
    page.keyboard.press("Enter")
    # The login page puts the focus in its first field.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("patron")
    page.keyboard.press("Tab")
    page.keyboard.type("a-long-test-password")
    page.keyboard.press("Enter")
    expect(page.locator(".account-user")).to_have_text("User: patron")

    press_tab_until(page, page.get_by_role("button", name="Logout"))
    page.keyboard.press("Enter")
    expect(page.locator(".account").get_by_role("link", name="Login")).to_be_visible()


def test_renew_form_showing_its_error_is_accessible(live_server, library, log_in, page):
    """A refused date is announced next to its labelled field, with no axe violation."""
    log_in(page, "librarian")
    page.goto(live_server.url + "/catalog/book/{loan.pk}/renew/".format(**library))
    page.get_by_label("Renewal date").fill("2000-01-01")
    page.get_by_role("button", name="Renew").click()
    expect(page.get_by_text("Invalid date - renewal in past")).to_be_visible()
    assert serious_axe_violations(page) == []
    assert unlabelled_fields(page) == []
    expect(page.locator("h1")).to_have_count(1)


def test_pages_are_styled_by_the_site_s_own_stylesheet(live_server, page):
    """The site's stylesheet is served (the production tests check its hashed, collected copy)."""
    stylesheets = []
    page.on(
        "response",
        lambda response: stylesheets.append(response) if ".css" in response.url else None,
    )
    page.goto(live_server.url + "/catalog/")
    assert [response.status for response in stylesheets] == [200]
    assert stylesheets[0].url.endswith("/static/css/styles.css")
    header = page.locator(".site-header")
    assert header.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(122, 46, 31)"

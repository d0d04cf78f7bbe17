"""Real-browser tests: Debian's Chromium, driven by Playwright, against Django's live_server.

Run by `make test-browser` (`pytest -p playwright browser_tests`: the default `pytest` runs
catalog/tests without the playwright plugin). A failing test leaves a screenshot and a trace
(`playwright show-trace`) through pytest-playwright's own options, which `make test-browser`
gives. Playwright never downloads a browser here: it launches /usr/bin/chromium, which
`make deps` installs from Debian when it is missing.
"""

import json
import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from such a thread unless told that this is intended (it is: tests set up data there).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
# The machine may have no network: these flags stop Chromium's own background traffic
# (updates, sync, safe browsing lists) that would only fill the logs with refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The PaaS router's header, sent by the browser itself: Django then serves the HTTPS site
# (Secure cookies, no redirect) as in production, while Chromium speaks plain HTTP. Open
# further browsers with pytest-playwright's `new_context` fixture (not `browser.new_context()`,
# which would be redirected to https://): it applies `browser_context_args` below.
ROUTER_HEADERS = {"X-Forwarded-Proto": "https"}


@pytest.fixture(scope="session", autouse=True)
def live_server_trusts_its_own_origin(live_server):
    """Chromium's forms say `Origin: http://localhost:<port>`; Django, told the request came
    over HTTPS, expects https://: trust the live server's origin, as a deployment trusts its
    public one."""
    from django.conf import settings

    settings.CSRF_TRUSTED_ORIGINS = [*settings.CSRF_TRUSTED_ORIGINS, live_server.url]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Every page pytest-playwright opens reaches the site through the "router"."""
    return {**browser_context_args, "extra_http_headers": ROUTER_HEADERS}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium, headless, instead of a browser Playwright downloads."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def cookie_blocking_context(playwright, tmp_path):
    """A Chromium whose profile blocks every cookie, as a visitor's settings can.

    Playwright has no per-context switch for this, so the preference is written into a
    fresh persistent profile before Chromium starts.
    """
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    preferences = {"profile": {"default_content_setting_values": {"cookies": 2}}}
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = playwright.chromium.launch_persistent_context(
        user_data_dir=str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        extra_http_headers=ROUTER_HEADERS,
    )
    yield context
    context.close()


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("playwright"):
        raise pytest.UsageError(
            "The browser tests need pytest-playwright: run `make test-browser` "
            "or `pytest -p playwright browser_tests`."
        )
    # pytest-playwright's own base_url fixture warns under pytest 9: not this project's code.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods"
    )


# What the scenarios share: a small catalog, its people, and logging in through the form.

PASSWORD = "a-long-test-password"  # the factories' password


@pytest.fixture
def library():
    """A patron and a librarian, a book with copies, one of them lent to the patron."""
    from catalog.tests import factories

    patron = factories.MemberFactory(username="patron")
    librarian = factories.LibrarianFactory(username="librarian")
    book = factories.BookFactory(
        title="The Wind in the Willows", genre=[factories.GenreFactory(name="Fantasy")]
    )
    factories.BookInstanceFactory(book=book)
    loan = factories.LoanedCopyFactory(book=book, borrower=patron)
    return {"patron": patron, "librarian": librarian, "book": book, "loan": loan}


@pytest.fixture
def log_in(live_server):
    """Log in through the site's own login form, as a person would."""

    def log_in(page, username, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return log_in

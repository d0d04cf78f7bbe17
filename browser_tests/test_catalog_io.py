"""Catalog in and out in a real browser: the import page's upload, the reports page's chart."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_accessibility import AXE, unlabelled_fields

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "sample-import.csv"


@pytest.fixture
def page(page):
    """The browser page with axe-core loaded into every document it opens.

    An init script comes in through the browser's own channel, so the site's CSP, which
    refuses inline scripts, lets it run, and the audit sees the page as a visitor gets it.
    """
    page.add_init_script(path=str(AXE))
    return page


def serious_axe_violations(page):
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def blocked_by_csp(page):
    """Collect the page's Content-Security-Policy violations as they happen."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_librarian_uploads_the_sample_file_and_sees_the_summary(live_server, library, log_in, page):
    log_in(page, "librarian")
    page.get_by_role("link", name="Import books").click()
    expect(page.locator("h1")).to_have_text("Import books")
    page.get_by_label("CSV file").set_input_files(SAMPLE)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("Imported 20 books with 31 available")
    assert serious_axe_violations(page) == []
    assert unlabelled_fields(page) == []


def test_a_bad_file_is_listed_by_line_in_an_accessible_page(
    live_server, library, log_in, page, tmp_path
):
    bad = tmp_path / "bad.csv"
    bad.write_text("title,author_last_name,isbn\nOptics,Hecht,0306406153\n")
    log_in(page, "librarian")
    page.goto(f"{live_server.url}/catalog/import/")
    page.get_by_label("CSV file").set_input_files(bad)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("Rows with problems: 1.")
    expect(page.get_by_role("cell", name="2", exact=True)).to_be_visible()
    assert serious_axe_violations(page) == []


def test_reports_page_draws_its_chart_without_breaking_the_policy(
    live_server, library, log_in, page
):
    from catalog.models import Loan

    today = datetime.date.today()
    # The patron's copy, lent 30 days ago, is 9 days overdue (the copy and its loan agree).
    copy = library["loan"]
    copy.due_back = today - datetime.timedelta(days=9)
    copy.save()
    Loan.objects.create(
        copy=copy,
        borrower=library["patron"],
        lent_on=today - datetime.timedelta(days=30),
        due_back=copy.due_back,
    )
    violations = blocked_by_csp(page)
    log_in(page, "librarian")
    page.get_by_role("link", name="Reports").click()
    expect(page.locator("h1")).to_have_text("Reports")
    chart = page.get_by_role("img", name="Loans per month")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() == 12
    expect(page.get_by_role("cell", name="patron")).to_be_visible()
    assert serious_axe_violations(page) == []
    assert violations == []

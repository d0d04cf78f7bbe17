"""The circulation desk in a real browser: scan, lend, return; and a hold made ready by a return."""

import pytest
from playwright.sync_api import expect

from browser_tests.test_accessibility import serious_axe_violations, unlabelled_fields
from catalog.models import BookInstance, Hold
from catalog.tests.factories import BookFactory, BookInstanceFactory, LoanedCopyFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def scan(page, copy_id):
    """Type the id into the desk's box and press Enter, as a barcode scanner does."""
    box = page.get_by_label("Copy id")
    expect(box).to_be_focused()
    box.fill(copy_id)
    box.press("Enter")
    page.wait_for_load_state()


def test_librarian_scans_a_copy_lends_it_then_takes_it_back(library, log_in, page):
    copy = BookInstanceFactory(book=BookFactory(title="Dune"))
    log_in(page, "librarian")
    page.get_by_role("link", name="Circulation desk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Circulation desk")

    # A scanner sends the label's id; hyphens and case do not matter.
    scan(page, "not-a-copy")
    expect(page.get_by_text("No copy has the id “not-a-copy”")).to_be_visible()
    scan(page, copy.pk.hex.upper())
    expect(page.get_by_role("heading", name="Dune")).to_be_visible()
    expect(page.locator(".desk-copy")).to_contain_text("Available")

    page.get_by_label("Borrower").fill("patron")
    page.get_by_role("button", name="Lend this copy").click()
    expect(page.get_by_text("Dune is lent to patron")).to_be_visible()
    expect(page.locator(".desk-copy")).to_contain_text("On loan")
    expect(page.locator(".desk-copy")).to_contain_text("patron")

    page.get_by_role("button", name="Return this copy").click()
    expect(page.get_by_text("Dune is returned and available again.")).to_be_visible()
    expect(page.locator(".desk-copy")).to_contain_text("Available")
    copy.refresh_from_db()
    assert copy.status == BookInstance.LoanStatus.AVAILABLE
    assert copy.loans.get().returned_on is not None


def test_a_hold_becomes_ready_when_the_librarian_returns_the_copy_at_the_desk(
    new_context, live_server, library, log_in
):
    book = BookFactory(title="Dune")
    out = LoanedCopyFactory(book=book, borrower=library["librarian"])

    patron = new_context().new_page()
    log_in(patron, "patron")
    patron.goto(live_server.url + book.get_absolute_url())
    expect(patron.get_by_text("0 of 1 copy available; 0 holds waiting.")).to_be_visible()
    patron.get_by_role("button", name="Place a hold").click()
    expect(patron.get_by_role("heading", level=1)).to_have_text("My holds")
    expect(patron.get_by_role("row").filter(has_text="Dune")).to_contain_text(
        "number 1 in the queue"
    )

    librarian = new_context().new_page()
    log_in(librarian, "librarian")
    librarian.get_by_role("link", name="Circulation desk").click()
    scan(librarian, str(out.pk))
    librarian.get_by_role("button", name="Return this copy").click()
    expect(librarian.get_by_text("a hold is waiting for it, for patron")).to_be_visible()
    expect(librarian.locator(".desk-copy")).to_contain_text("Reserved")

    patron.get_by_role("link", name="My holds").click()
    row = patron.get_by_role("row").filter(has_text="Dune")
    expect(row).to_contain_text("Set aside for you: ready until")
    assert Hold.objects.get(patron=library["patron"]).copy_id == out.pk


def test_librarian_prints_a_label_with_the_copy_id_as_a_qr_code(live_server, library, log_in, page):
    copy = library["loan"]
    log_in(page, "librarian")
    page.goto(live_server.url + copy.get_absolute_url())
    page.get_by_role("link", name="Print label").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Label")
    code = page.get_by_role("img", name=f"QR code of the copy id {copy.pk}")
    expect(code).to_be_visible()
    box = code.locator("svg").bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    # The page's Print button opens the browser's Print dialog (stubbed here).
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print the label").click()
    assert page.evaluate("() => window.printed") == 1
    # On paper only the label: no header, sidebar or instructions.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".sidebar")).to_be_hidden()
    expect(page.locator(".copy-label")).to_be_visible()


# The new pages pass the same accessibility audit as the rest of the site.
CIRCULATION_PAGES = [
    ("librarian", "/catalog/desk/?copy={loan.pk}"),
    ("librarian", "/catalog/bookinstance/{loan.pk}"),
    ("librarian", "/catalog/bookinstance/{spare.pk}/lend/"),
    ("librarian", "/catalog/bookinstance/{spare.pk}/label/"),
    ("librarian", "/catalog/patron/{patron.pk}/"),
    ("librarian", "/catalog/holds/"),
    ("patron", "/catalog/book/{book.pk}"),
    ("patron", "/catalog/mybooks/history/"),
    ("patron", "/catalog/myholds/"),
]


@pytest.mark.parametrize(
    ("who", "path"), CIRCULATION_PAGES, ids=[path for _, path in CIRCULATION_PAGES]
)
def test_circulation_page_passes_the_accessibility_audit(
    live_server, library, log_in, page, who, path
):
    spare = BookInstanceFactory(book=library["book"])
    Hold.objects.create(book=library["book"], patron=library["patron"])
    log_in(page, who)
    page.goto(live_server.url + path.format(**library, spare=spare))
    expect(page.locator("h1")).to_have_count(1)
    assert unlabelled_fields(page) == []
    assert serious_axe_violations(page) == []

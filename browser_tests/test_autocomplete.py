"""The edit forms' search-as-you-type fields in a real browser, driven by the keyboard alone."""

import pytest
from playwright.sync_api import expect

from browser_tests.conftest import ROUTER_HEADERS
from browser_tests.test_accessibility import AXE, unlabelled_fields
from catalog.models import Book, BookInstance
from catalog.tests.factories import AuthorFactory, BookFactory, BookInstanceFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def serious_axe_violations(page):
    """axe-core's serious findings, loaded through evaluate(), which the page's CSP allows
    (a <script> tag added by the test would be refused like any inline script)."""
    page.evaluate(AXE.read_text())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']}: {violation['help']}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_librarian_moves_a_copy_to_another_book_with_arrow_keys_and_enter(
    library, live_server, log_in, page
):
    copy = BookInstanceFactory(book=library["book"])
    BookFactory(title="Dune", author__first_name="Frank", author__last_name="Herbert")
    BookFactory(title="Dune Messiah", author__first_name="Frank", author__last_name="Herbert")
    log_in(page, "librarian")
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{live_server.url}/catalog/bookinstance/{copy.pk}/update/")

    box = page.get_by_role("combobox", name="Book")
    expect(box).to_have_value(f"The Wind in the Willows ({library['book'].author})")
    box.fill("dune herb")
    options = page.get_by_role("listbox", name="Book").get_by_role("option")
    expect(options).to_have_count(2)
    assert serious_axe_violations(page) == []
    assert unlabelled_fields(page) == []
    assert refused == []  # nothing blocked by the Content-Security-Policy, no script error

    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Enter")  # chooses; does not submit
    expect(page.get_by_role("listbox", name="Book")).to_be_hidden()
    expect(box).to_have_value("Dune Messiah (Herbert, Frank)")
    box.press("Enter")  # now submits
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dune Messiah")
    assert BookInstance.objects.get(pk=copy.pk).book.title == "Dune Messiah"


def test_arrow_up_from_the_box_highlights_the_last_suggestion(library, live_server, log_in, page):
    copy = BookInstanceFactory(book=library["book"])
    for title in ("Dune", "Dune Messiah", "Dune Children"):
        BookFactory(title=title, author__first_name="Frank", author__last_name="Herbert")
    log_in(page, "librarian")
    page.goto(f"{live_server.url}/catalog/bookinstance/{copy.pk}/update/")
    box = page.get_by_role("combobox", name="Book")
    box.fill("dune herb")
    options = page.get_by_role("listbox", name="Book").get_by_role("option")
    expect(options).to_have_count(3)
    box.press("ArrowUp")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")


def test_librarian_picks_a_books_author_and_sees_it_when_editing_again(
    library, live_server, log_in, page
):
    book = library["book"]
    AuthorFactory(first_name="Kenneth", last_name="Grahame")
    log_in(page, "librarian")
    page.goto(f"{live_server.url}/catalog/book/{book.pk}/update/")

    box = page.get_by_label("Author")
    box.fill("graha")
    page.get_by_role("option", name="Grahame, Kenneth").click()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(book.title)
    assert str(Book.objects.get(pk=book.pk).author) == "Grahame, Kenneth"

    page.goto(f"{live_server.url}/catalog/book/{book.pk}/update/")
    expect(page.get_by_label("Author")).to_have_value("Grahame, Kenneth")


def test_text_that_names_no_suggestion_is_not_saved_as_a_choice(library, live_server, log_in, page):
    copy = BookInstanceFactory(book=library["book"])
    log_in(page, "librarian")
    page.goto(f"{live_server.url}/catalog/bookinstance/{copy.pk}/update/")

    box = page.get_by_role("combobox", name="Book")
    box.fill("no such book")
    expect(page.get_by_role("status").filter(has_text="Nothing matches")).to_be_visible()
    page.get_by_role("button", name="Save changes").click()
    # The browser holds the form back and says why; nothing changed.
    assert box.evaluate("box => box.validationMessage").startswith("Choose one of the suggestions")
    assert BookInstance.objects.get(pk=copy.pk).book == library["book"]


def test_without_javascript_a_typed_id_still_chooses_the_book(
    library, live_server, browser, log_in
):
    copy = BookInstanceFactory(book=library["book"])
    other = BookFactory(title="Emma")
    context = browser.new_context(java_script_enabled=False, extra_http_headers=ROUTER_HEADERS)
    page = context.new_page()
    log_in(page, "librarian")
    page.goto(f"{live_server.url}/catalog/bookinstance/{copy.pk}/update/")
    expect(page.get_by_text(f"The Wind in the Willows ({library['book'].author})")).to_be_visible()
    page.get_by_label("Book").fill(str(other.pk))
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Emma")
    assert BookInstance.objects.get(pk=copy.pk).book == other
    context.close()


def test_librarian_lends_a_copy_to_a_person_found_by_their_full_name(
    library, live_server, log_in, page
):
    from catalog.tests.factories import MemberFactory

    MemberFactory(username="alice", first_name="Alice", last_name="Liddell")
    MemberFactory(username="alfred", first_name="Alfred", last_name="Lord")
    copy = BookInstanceFactory(book=library["book"])
    log_in(page, "librarian")
    page.goto(f"{live_server.url}/catalog/bookinstance/{copy.pk}/lend/")

    box = page.get_by_role("combobox", name="Borrower")
    box.fill("lid")  # a part of her last name
    expect(page.get_by_role("option")).to_have_text(["alice Alice Liddell"])
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("alice")
    page.get_by_role("button", name="Lend").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    copy.refresh_from_db()
    assert copy.borrower.username == "alice"
    assert copy.status == BookInstance.LoanStatus.ON_LOAN

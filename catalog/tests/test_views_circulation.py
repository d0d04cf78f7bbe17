"""The desk's pages (issue 14): lend, return, renew, the desk itself, labels and histories."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services
from catalog.forms import BORROWER_UNKNOWN, COPY_ID_UNKNOWN, LEND_IN_PAST, LEND_TOO_FAR
from catalog.models import LOAN_PERIOD, BookInstance, Hold, Loan

from . import factories
from .factories import in_days, today

pytestmark = pytest.mark.django_db

Status = BookInstance.LoanStatus


def iso(date):
    return f"{date:%Y-%m-%d}"


@pytest.fixture
def librarian(librarian, client):
    """Every test here works at the desk: conftest's librarian, logged in."""
    client.force_login(librarian)
    return librarian


@pytest.fixture
def patron():
    return factories.MemberFactory(username="reader")


def lent(copy=None, borrower=None, due_back=None):
    """A copy lent through the service, as the desk does: the copy and its open Loan."""
    copy = copy or factories.BookInstanceFactory()
    services.lend_copy(
        copy=copy, borrower=borrower or factories.MemberFactory(), due_back=due_back or in_days(21)
    )
    copy.refresh_from_db()
    return copy


def past_loans(borrower, n, copy=None):
    """n returned loans of `borrower`, the newest lent yesterday."""
    copies = [copy] * n if copy else factories.BookInstanceFactory.create_batch(n)
    return Loan.objects.bulk_create(
        Loan(
            copy=copies[i],
            borrower=borrower,
            lent_on=in_days(-30 - 10 * i),
            due_back=in_days(-9 - 10 * i),
            returned_on=in_days(-10 - 10 * i),
        )
        for i in range(n)
    )


def content(response):
    return response.content.decode()


# Who may use which page


LIBRARIAN_PAGES = [
    lambda copy, user: reverse("circulation-desk"),
    lambda copy, user: reverse("lend-book-librarian", args=[copy.pk]),
    lambda copy, user: reverse("bookinstance-label", args=[copy.pk]),
    lambda copy, user: reverse("patron-detail", args=[user.pk]),
]


@pytest.mark.parametrize("page", LIBRARIAN_PAGES)
def test_anonymous_visitor_is_sent_to_log_in_from_the_desk_pages(client, page):
    copy, user = factories.BookInstanceFactory(), factories.MemberFactory()
    url = page(copy, user)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("page", LIBRARIAN_PAGES)
def test_member_gets_403_on_the_desk_pages(client, page):
    member = factories.MemberFactory()
    client.force_login(member)
    assert client.get(page(factories.BookInstanceFactory(), member)).status_code == 403


@pytest.mark.parametrize("name", ["return-book-librarian", "renew-book-patron"])
def test_post_only_actions_answer_405_to_get(client, librarian, name):
    copy = lent()
    assert client.get(reverse(name, args=[copy.pk])).status_code == 405


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("name", ["renew-book-librarian", "lend-book-librarian"])
def test_form_pages_answer_405_to_methods_they_do_not_handle(client, librarian, name, method):
    copy = lent()
    response = getattr(client, method)(reverse(name, args=[copy.pk]))
    assert response.status_code == 405
    assert Loan.objects.get(copy=copy).renewals == 0


def test_member_cannot_return_a_copy(client):
    copy = lent()
    client.force_login(factories.MemberFactory())
    assert client.post(reverse("return-book-librarian", args=[copy.pk])).status_code == 403
    copy.refresh_from_db()
    assert copy.status == Status.ON_LOAN


def test_anonymous_post_to_return_asks_to_log_in_and_changes_nothing(client):
    copy = lent()
    response = client.post(reverse("return-book-librarian", args=[copy.pk]))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert Loan.objects.open().filter(copy=copy).exists()


@pytest.mark.parametrize(
    "name", ["circulation-desk", "patron-detail", "my-history", "lend-book-librarian"]
)
def test_pages_about_a_person_are_not_cached(client, librarian, name):
    args = {
        "patron-detail": [librarian.pk],
        "lend-book-librarian": [factories.BookInstanceFactory().pk],
    }
    response = client.get(reverse(name, args=args.get(name)))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control


# The desk


@pytest.mark.parametrize(
    "typed",
    [str, lambda pk: pk.hex, lambda pk: str(pk).upper(), lambda pk: f"  {pk.hex.upper()}\n"],
    ids=["hyphens", "no-hyphens", "upper-case", "spaces-around"],
)
def test_librarian_finds_a_copy_at_the_desk_however_its_id_is_typed(client, librarian, typed):
    copy = factories.BookInstanceFactory(book__title="Dune")
    response = client.get(reverse("circulation-desk"), {"copy": typed(copy.pk)})
    assert response.status_code == 200
    assert response.context["copy"] == copy
    page = content(response)
    assert "Dune" in page
    assert "Available" in page
    assert reverse("lend-book-librarian", args=[copy.pk]) in page
    assert reverse("return-book-librarian", args=[copy.pk]) not in page


@pytest.mark.parametrize("typed", ["garbage", "", "1" * 100, str(uuid.uuid4()), "<b>x</b>"])
def test_desk_says_when_no_copy_has_the_typed_id(client, librarian, typed):
    factories.BookInstanceFactory()
    response = client.get(reverse("circulation-desk"), {"copy": typed})
    assert response.status_code == 200
    assert response.context["copy"] is None
    if typed:
        assert "No copy has the id" in content(response)
        assert "<b>x</b>" not in content(response)


def test_desk_error_names_the_typed_id(client, librarian):
    response = client.get(reverse("circulation-desk"), {"copy": "nonsense"})
    assert COPY_ID_UNKNOWN % {"value": "nonsense"} in response.context["form"].errors["copy"]


def test_desk_box_is_empty_for_the_next_scan_and_keeps_a_wrong_id_to_correct(client, librarian):
    copy = factories.BookInstanceFactory()
    box = re.compile(r'<input type="text" name="copy"[^>]*>')
    first_visit = box.search(content(client.get(reverse("circulation-desk")))).group()
    after_a_scan = content(client.get(reverse("circulation-desk"), {"copy": str(copy.pk)}))
    assert box.search(after_a_scan).group() == first_visit
    assert "value=" not in first_visit
    after_a_typo = content(client.get(reverse("circulation-desk"), {"copy": "nonsense"}))
    assert 'value="nonsense"' in box.search(after_a_typo).group()


def test_desk_offers_return_and_renew_for_a_copy_on_loan(client, librarian, patron):
    copy = lent(borrower=patron)
    Hold.objects.create(book=copy.book, patron=factories.MemberFactory())
    response = client.get(reverse("circulation-desk"), {"copy": copy.pk.hex})
    page = content(response)
    assert "On loan" in page
    assert "reader" in page
    assert reverse("patron-detail", args=[patron.pk]) in page
    assert reverse("return-book-librarian", args=[copy.pk]) in page
    assert reverse("renew-book-librarian", args=[copy.pk]) in page
    assert reverse("lend-book-librarian", args=[copy.pk]) not in page
    assert response.context["holds_waiting"] == 1


def test_desk_counts_the_renewals_of_this_loan_and_only_the_holds_still_waiting(
    client, librarian, patron
):
    copy = lent(borrower=patron)
    past_loans(patron, 2, copy=copy)
    services.renew_loan(copy=copy, due_back=in_days(25))
    waiting = [services.place_hold(book=copy.book, patron=factories.MemberFactory()) for _ in "ab"]
    services.cancel_hold(hold=waiting[0], by=librarian)
    other_copy = factories.BookInstanceFactory(book=copy.book)
    services.place_hold(book=copy.book, patron=factories.MemberFactory())  # set aside at once
    assert Hold.objects.ready().filter(copy=other_copy).exists()
    response = client.get(reverse("circulation-desk"), {"copy": str(copy.pk)})
    assert response.context["holds_waiting"] == 1
    assert re.search(r"<dt>Renewals</dt>\s*<dd>1</dd>", content(response))


def test_desk_shows_no_renewals_for_a_copy_not_on_loan(client, librarian):
    copy = factories.BookInstanceFactory()
    past_loans(factories.MemberFactory(), 1, copy=copy)
    assert "Renewals" not in content(
        client.get(reverse("circulation-desk"), {"copy": str(copy.pk)})
    )


def test_desk_offers_nothing_for_a_copy_in_maintenance(client, librarian):
    copy = factories.BookInstanceFactory(status=Status.MAINTENANCE)
    page = content(client.get(reverse("circulation-desk"), {"copy": str(copy.pk)}))
    assert "Maintenance" in page
    assert reverse("lend-book-librarian", args=[copy.pk]) not in page
    assert reverse("return-book-librarian", args=[copy.pk]) not in page


def test_desk_proposes_the_waiting_patron_for_a_copy_set_aside(client, librarian, patron):
    copy = factories.BookInstanceFactory()
    services.place_hold(book=copy.book, patron=patron)
    response = client.get(reverse("circulation-desk"), {"copy": str(copy.pk)})
    assert response.context["lend_form"].initial["borrower"] == "reader"
    page = content(response)
    assert "Reserved" in page
    assert "Set aside for" in page


def test_librarian_lends_and_returns_from_the_desk_and_comes_back_to_it(client, librarian):
    copy = factories.BookInstanceFactory()
    factories.MemberFactory(username="reader")
    desk = f"{reverse('circulation-desk')}?copy={copy.pk}"
    response = client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": "reader", "due_back": iso(in_days(21)), "next": desk},
    )
    assert response.status_code == 302
    assert response.url == desk
    response = client.post(reverse("return-book-librarian", args=[copy.pk]), {"next": desk})
    assert response.url == desk
    copy.refresh_from_db()
    assert copy.status == Status.AVAILABLE
    assert Loan.objects.get(copy=copy).returned_on == today()


# Lend


def test_lend_page_proposes_three_weeks_as_an_iso_date(client, librarian):
    copy = factories.BookInstanceFactory()
    response = client.get(reverse("lend-book-librarian", args=[copy.pk]))
    assert response.status_code == 200
    assert f'value="{iso(today() + LOAN_PERIOD)}"' in content(response)


def test_librarian_lends_an_available_copy(client, librarian, patron):
    copy = factories.BookInstanceFactory(book__title="Dune")
    response = client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": "reader", "due_back": iso(in_days(14))},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("all-borrowed")
    copy.refresh_from_db()
    assert (copy.status, copy.borrower, copy.due_back) == (Status.ON_LOAN, patron, in_days(14))
    loan = Loan.objects.get(copy=copy)
    assert (loan.borrower, loan.lent_on, loan.due_back, loan.renewals) == (
        patron,
        today(),
        in_days(14),
        0,
    )
    assert "Dune is lent to reader" in content(response)


def test_lend_accepts_the_user_name_in_another_case(client, librarian, patron):
    copy = factories.BookInstanceFactory()
    client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": "READER", "due_back": iso(in_days(14))},
    )
    assert Loan.objects.get(copy=copy).borrower == patron


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"borrower": "nobody", "due_back": iso(in_days(7))}, "borrower", BORROWER_UNKNOWN),
        ({"borrower": "sleeper", "due_back": iso(in_days(7))}, "borrower", BORROWER_UNKNOWN),
        ({"borrower": "reader", "due_back": iso(in_days(-1))}, "due_back", LEND_IN_PAST),
        ({"borrower": "reader", "due_back": iso(in_days(29))}, "due_back", LEND_TOO_FAR),
        ({"borrower": "reader", "due_back": "tomorrow"}, "due_back", "Enter a valid date."),
        ({"borrower": "", "due_back": iso(in_days(7))}, "borrower", "This field is required."),
    ],
    ids=["unknown-user", "inactive-user", "past", "too-far", "garbage-date", "no-borrower"],
)
def test_lend_refuses_bad_input_with_a_form_error(client, librarian, patron, data, field, error):
    factories.MemberFactory(username="sleeper", is_active=False)
    copy = factories.BookInstanceFactory()
    response = client.post(reverse("lend-book-librarian", args=[copy.pk]), data)
    assert response.status_code == 200
    messages = response.context["form"].errors[field]
    assert any(message.startswith(error.split("%")[0]) for message in messages)
    copy.refresh_from_db()
    assert copy.status == Status.AVAILABLE
    assert not Loan.objects.exists()


@pytest.mark.parametrize(
    ("make_copy", "error"),
    [
        (lambda: lent(), services.COPY_ON_LOAN),
        (lambda: factories.LoanedCopyFactory(), services.COPY_ON_LOAN),
        (
            lambda: factories.BookInstanceFactory(status=Status.MAINTENANCE),
            services.COPY_NOT_AVAILABLE,
        ),
    ],
    ids=["on-loan", "on-loan-without-loan-row", "maintenance"],
)
def test_lend_of_a_copy_in_the_wrong_state_is_a_form_error(
    client, librarian, patron, make_copy, error
):
    copy = make_copy()
    before = (copy.status, copy.borrower_id, copy.due_back)
    loans = Loan.objects.count()
    response = client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": "reader", "due_back": iso(in_days(7))},
    )
    assert response.status_code == 200
    assert error in response.context["form"].non_field_errors()
    copy.refresh_from_db()
    assert (copy.status, copy.borrower_id, copy.due_back) == before
    assert Loan.objects.count() == loans


def test_a_stale_lend_form_after_another_librarian_lent_the_copy_is_refused(
    client, librarian, patron
):
    copy = factories.BookInstanceFactory()
    client.get(reverse("lend-book-librarian", args=[copy.pk]))
    lent(copy, borrower=factories.MemberFactory(username="first"))
    response = client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": "reader", "due_back": iso(in_days(7))},
    )
    assert services.COPY_ON_LOAN in response.context["form"].non_field_errors()
    assert Loan.objects.get(copy=copy).borrower.username == "first"


def test_lend_of_a_copy_set_aside_for_someone_else_is_refused(client, librarian, patron):
    copy = factories.BookInstanceFactory()
    services.place_hold(book=copy.book, patron=factories.MemberFactory(username="waiting"))
    response = client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": "reader", "due_back": iso(in_days(7))},
    )
    assert services.COPY_RESERVED_FOR_OTHER in response.context["form"].non_field_errors()
    copy.refresh_from_db()
    assert copy.status == Status.RESERVED


def test_lending_the_copy_set_aside_to_its_patron_fulfils_the_hold(client, librarian, patron):
    copy = factories.BookInstanceFactory()
    hold = services.place_hold(book=copy.book, patron=patron)
    response = client.get(reverse("lend-book-librarian", args=[copy.pk]))
    assert response.context["form"].initial["borrower"] == "reader"
    client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": "reader", "due_back": iso(in_days(7))},
    )
    hold.refresh_from_db()
    assert hold.end_reason == Hold.EndReason.FULFILLED
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == (Status.ON_LOAN, patron)


def test_lend_ignores_a_next_to_another_site(client, librarian, patron):
    copy = factories.BookInstanceFactory()
    response = client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": "reader", "due_back": iso(in_days(7)), "next": "https://evil.example/"},
    )
    assert response.url == reverse("all-borrowed")


def test_lend_of_an_unknown_copy_is_404(client, librarian):
    assert client.get(reverse("lend-book-librarian", args=[uuid.uuid4()])).status_code == 404


# Return


def test_librarian_returns_a_copy_and_it_is_available_again(client, librarian):
    copy = lent(factories.BookInstanceFactory(book__title="Dune"))
    response = client.post(reverse("return-book-librarian", args=[copy.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("all-borrowed")
    assert "Dune is returned and available again." in content(response)
    copy.refresh_from_db()
    assert (copy.status, copy.borrower, copy.due_back) == (Status.AVAILABLE, None, None)
    assert Loan.objects.get(copy=copy).returned_on == today()


def test_a_returned_copy_is_set_aside_for_the_first_patron_waiting(client, librarian, patron):
    copy = lent()
    services.place_hold(book=copy.book, patron=patron)
    services.place_hold(book=copy.book, patron=factories.MemberFactory())
    response = client.post(reverse("return-book-librarian", args=[copy.pk]), follow=True)
    assert "a hold is waiting for it, for reader" in content(response)
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == (Status.RESERVED, patron)


def test_a_copy_on_loan_without_a_loan_row_can_be_returned(client, librarian):
    copy = factories.LoanedCopyFactory()
    response = client.post(reverse("return-book-librarian", args=[copy.pk]))
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.status == Status.AVAILABLE


@pytest.mark.parametrize("status", [Status.AVAILABLE, Status.MAINTENANCE, Status.RESERVED])
def test_returning_a_copy_not_on_loan_changes_nothing_and_says_so(client, librarian, status):
    copy = factories.BookInstanceFactory(status=status)
    response = client.post(reverse("return-book-librarian", args=[copy.pk]), follow=True)
    assert "is not on loan" in content(response)
    copy.refresh_from_db()
    assert copy.status == status


@pytest.mark.parametrize(
    ("next_url", "followed"),
    [
        ("/catalog/desk/?copy=x", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("javascript:alert(1)", False),
        ("not a path", False),
    ],
)
def test_return_follows_only_a_same_site_next(client, librarian, next_url, followed):
    copy = lent()
    response = client.post(reverse("return-book-librarian", args=[copy.pk]), {"next": next_url})
    assert response.status_code == 302
    assert response.url == (next_url if followed else reverse("all-borrowed"))


def test_return_of_an_unknown_copy_is_404(client, librarian):
    assert client.post(reverse("return-book-librarian", args=[uuid.uuid4()])).status_code == 404


def test_all_borrowed_offers_a_return_button_per_copy(client, librarian):
    copies = [lent(), lent()]
    page = content(client.get(reverse("all-borrowed")))
    for copy in copies:
        assert reverse("return-book-librarian", args=[copy.pk]) in page


# The librarian's renewal


def test_librarian_renewal_moves_the_loan_and_counts_it(client, librarian):
    copy = lent(due_back=in_days(3))
    response = client.post(
        reverse("renew-book-librarian", args=[copy.pk]), {"renewal_date": iso(in_days(20))}
    )
    assert response.url == reverse("all-borrowed")
    loan = Loan.objects.get(copy=copy)
    assert (loan.due_back, loan.renewals) == (in_days(20), 1)
    copy.refresh_from_db()
    assert copy.due_back == in_days(20)


def test_renew_page_shows_the_renewal_count_and_warns_when_someone_waits(client, librarian):
    copy = lent()
    services.renew_loan(copy=copy, due_back=in_days(10))
    url = reverse("renew-book-librarian", args=[copy.pk])
    page = content(client.get(url))
    assert "Renewals so far" in page
    assert client.get(url).context["loan"].renewals == 1
    assert "waiting for this book" not in page
    Hold.objects.create(book=copy.book, patron=factories.MemberFactory())
    assert "1 patron is waiting for this book" in content(client.get(url))


def test_librarian_renews_a_copy_on_loan_without_a_loan_row(client, librarian):
    copy = factories.LoanedCopyFactory()
    response = client.post(
        reverse("renew-book-librarian", args=[copy.pk]), {"renewal_date": iso(in_days(20))}
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.due_back == in_days(20)
    assert Loan.objects.open().get(copy=copy).renewals == 1


def test_renewing_a_copy_returned_meanwhile_changes_nothing(client, librarian):
    copy = lent()
    services.return_copy(copy=copy)
    response = client.post(
        reverse("renew-book-librarian", args=[copy.pk]), {"renewal_date": iso(in_days(20))}
    )
    assert response.status_code == 200
    assert "This copy is not on loan" in content(response)
    copy.refresh_from_db()
    assert copy.due_back is None


# The patron's own renewal


def renew_mine(client, copy):
    return client.post(reverse("renew-book-patron", args=[copy.pk]), follow=True)


def test_patron_renews_their_own_loan_for_three_weeks(client, patron):
    copy = lent(borrower=patron, due_back=in_days(2))
    client.force_login(patron)
    response = renew_mine(client, copy)
    assert response.redirect_chain[-1][0] == reverse("my-borrowed")
    assert f"now due back on {iso(today() + LOAN_PERIOD)}" in content(response)
    loan = Loan.objects.get(copy=copy)
    assert (loan.due_back, loan.renewals) == (today() + LOAN_PERIOD, 1)


def test_patron_renewal_is_refused_after_two(client, patron):
    copy = lent(borrower=patron)
    client.force_login(patron)
    renew_mine(client, copy)
    renew_mine(client, copy)
    response = renew_mine(client, copy)
    assert services.RENEWAL_LIMIT_REACHED in content(response)
    assert Loan.objects.get(copy=copy).renewals == 2


def test_patron_renewal_is_refused_while_someone_waits(client, patron):
    copy = lent(borrower=patron, due_back=in_days(5))
    Hold.objects.create(book=copy.book, patron=factories.MemberFactory())
    client.force_login(patron)
    response = renew_mine(client, copy)
    assert services.HOLD_WAITING in content(response)
    assert Loan.objects.get(copy=copy).due_back == in_days(5)


def test_patron_cannot_renew_someone_elses_loan(client, patron):
    copy = lent(due_back=in_days(5))
    client.force_login(patron)
    response = renew_mine(client, copy)
    assert response.redirect_chain[-1][0] == reverse("my-borrowed")
    assert services.NOT_YOUR_LOAN in content(response)
    assert Loan.objects.get(copy=copy).due_back == in_days(5)


def test_patron_renewal_of_an_unknown_copy_is_404(client, patron):
    client.force_login(patron)
    assert client.post(reverse("renew-book-patron", args=[uuid.uuid4()])).status_code == 404


def test_anonymous_renewal_asks_to_log_in(client):
    copy = lent()
    response = client.post(reverse("renew-book-patron", args=[copy.pk]))
    assert response.url.startswith("/accounts/login/")


def test_my_borrowed_shows_a_renew_button_per_loan(client, patron):
    copies = [lent(borrower=patron), lent(borrower=patron)]
    client.force_login(patron)
    page = content(client.get(reverse("my-borrowed")))
    for copy in copies:
        assert reverse("renew-book-patron", args=[copy.pk]) in page


# Histories


def test_librarian_sees_a_copys_loans_newest_first(client, librarian, patron):
    copy = factories.BookInstanceFactory()
    past_loans(patron, 2, copy=copy)
    lent(copy, borrower=factories.MemberFactory(username="current"))
    response = client.get(copy.get_absolute_url())
    page = content(response)
    assert "Loan history" in page
    assert page.index("current") < page.index(iso(in_days(-30))) < page.index(iso(in_days(-40)))
    assert reverse("bookinstance-label", args=[copy.pk]) in page


def test_member_does_not_see_a_copys_loans(client, patron):
    copy = factories.BookInstanceFactory()
    past_loans(factories.MemberFactory(username="someone"), 1, copy=copy)
    client.force_login(patron)
    page = content(client.get(copy.get_absolute_url()))
    assert "Loan history" not in page
    assert "someone" not in page
    assert "Print label" not in page


def test_patron_page_shows_open_loans_holds_and_past_loans(client, librarian, patron):
    on_loan = lent(factories.BookInstanceFactory(book__title="Open Book"), borrower=patron)
    past_loans(patron, 1, copy=factories.BookInstanceFactory(book__title="Old Book"))
    Hold.objects.create(book=factories.BookFactory(title="Wanted Book"), patron=patron)
    response = client.get(reverse("patron-detail", args=[patron.pk]))
    assert response.status_code == 200
    page = content(response)
    assert "<h1>Patron: reader</h1>" in page
    for title in ("Open Book", "Old Book", "Wanted Book"):
        assert title in page
    assert "number 1 in the queue" in page
    assert reverse("return-book-librarian", args=[on_loan.pk]) in page


def test_patron_page_of_an_unknown_user_is_404(client, librarian):
    assert client.get(reverse("patron-detail", args=[999999])).status_code == 404
    assert client.get("/catalog/patron/99999999999999999999999/").status_code == 404


def test_my_history_lists_only_my_past_loans_newest_first(client, patron):
    mine = past_loans(patron, 3)
    past_loans(factories.MemberFactory(), 2)
    current = lent(borrower=patron)
    client.force_login(patron)
    response = client.get(reverse("my-history"))
    assert list(response.context["loan_list"]) == mine
    # What is on loan now is on My borrowed, linked from here.
    assert current.book.title not in content(response)
    assert f'on <a href="{reverse("my-borrowed")}">My borrowed</a>' in content(response)


def test_my_history_is_paginated(client, patron):
    past_loans(patron, 12)
    client.force_login(patron)
    response = client.get(reverse("my-history"))
    assert response.context["is_paginated"]
    assert len(response.context["loan_list"]) == 10
    assert len(client.get(reverse("my-history"), {"page": 2}).context["loan_list"]) == 2


def test_my_history_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("my-history"))
    assert response.url == f"/accounts/login/?next={reverse('my-history')}"


# The printable label


def test_label_draws_the_copy_id_as_an_inline_svg_qr_code(client, librarian):
    copy = factories.BookInstanceFactory(book__title="Dune")
    response = client.get(reverse("bookinstance-label", args=[copy.pk]))
    assert response.status_code == 200
    page = content(response)
    assert "<svg" in page
    assert str(copy.pk) in page
    assert "css/label" in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "style=" not in svg


# Queries stay constant as the history grows


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_desk_and_history_pages_cost_the_same_queries_however_many_loans(client, librarian):
    patron = factories.MemberFactory()
    copy = lent(borrower=patron)
    past_loans(patron, 1, copy=copy)
    Hold.objects.create(book=copy.book, patron=factories.MemberFactory())
    pages = [
        (reverse("circulation-desk"), {"copy": str(copy.pk)}),
        (reverse("patron-detail", args=[patron.pk]), None),
        (copy.get_absolute_url(), None),
        (reverse("all-borrowed"), None),
        (reverse("renew-book-librarian", args=[copy.pk]), None),
        (reverse("bookinstance-label", args=[copy.pk]), None),
    ]
    before = [queries(client, url, params) for url, params in pages]
    past_loans(patron, 40, copy=copy)
    for _ in range(5):
        lent(borrower=patron)
        Hold.objects.create(book=factories.BookFactory(), patron=patron)
    assert [queries(client, url, params) for url, params in pages] == before


def test_my_history_costs_the_same_queries_however_many_loans(client, patron):
    client.force_login(patron)
    past_loans(patron, 1)
    one = queries(client, reverse("my-history"))
    past_loans(patron, 30)
    assert queries(client, reverse("my-history")) == one

"""The contract's "Circulation: lending, returning, history" section, from the outside."""

import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from catalog.models import BookInstance, Loan

from .factories import (
    BookInstanceFactory,
    LibrarianFactory,
    LoanedCopyFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def iso(date):
    return date.strftime("%Y-%m-%d")


@pytest.fixture
def desk(client):
    """The test client, logged in as a librarian."""
    client.force_login(LibrarianFactory())
    return client


def lend(client, copy, borrower, due_back=None, **extra):
    due_back = due_back or today() + datetime.timedelta(weeks=3)
    return client.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {"borrower": getattr(borrower, "username", borrower), "due_back": iso(due_back), **extra},
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# The Loan model


def test_a_loan_starts_with_no_renewals_and_no_return_date():
    copy = BookInstanceFactory()
    loan = Loan.objects.create(
        copy=copy, borrower=MemberFactory(), lent_on=today(), due_back=today() + DAY
    )
    assert loan.renewals == 0
    assert loan.returned_on is None


def test_deleting_a_person_keeps_their_loans_anonymised():
    member = MemberFactory()
    loan = Loan.objects.create(
        copy=BookInstanceFactory(), borrower=member, lent_on=today(), due_back=today()
    )
    member.delete()
    loan.refresh_from_db()
    assert loan.borrower is None


def test_the_database_refuses_a_second_open_loan_of_a_copy():
    copy = BookInstanceFactory()
    Loan.objects.create(copy=copy, borrower=MemberFactory(), lent_on=today(), due_back=today())
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(copy=copy, borrower=MemberFactory(), lent_on=today(), due_back=today())
    # A returned loan does not count.
    Loan.objects.update(returned_on=today())
    Loan.objects.create(copy=copy, borrower=MemberFactory(), lent_on=today(), due_back=today())


# Lend


def test_the_lend_page_proposes_three_weeks_in_iso(desk):
    copy = BookInstanceFactory()
    path = f"/catalog/bookinstance/{copy.pk}/lend/"
    assert reverse("lend-book-librarian", args=[copy.pk]) == path
    response = desk.get(path)
    assert response.status_code == 200
    assert "catalog/bookinstance_lend.html" in [t.name for t in response.templates]
    form = response.context["form"]
    assert set(form.fields) >= {"borrower", "due_back"}
    proposed = today() + datetime.timedelta(weeks=3)
    assert f'value="{iso(proposed)}"' in response.content.decode()


def test_lending_an_available_copy_opens_a_loan_and_goes_to_all_borrowed(desk):
    copy = BookInstanceFactory()
    member = MemberFactory()
    due = today() + datetime.timedelta(days=10)
    response = lend(desk, copy, member, due)
    assert response.status_code == 302
    assert response["Location"] == reverse("all-borrowed")
    copy.refresh_from_db()
    assert (copy.status, copy.borrower, copy.due_back) == ("o", member, due)
    loan = Loan.objects.get(copy=copy, returned_on__isnull=True)
    assert (loan.borrower, loan.lent_on, loan.due_back, loan.renewals) == (member, today(), due, 0)


@pytest.mark.parametrize("due", [today() + datetime.timedelta(weeks=4), today()])
def test_lending_accepts_today_up_to_four_weeks(desk, due):
    copy = BookInstanceFactory()
    assert lend(desk, copy, MemberFactory(), due).status_code == 302


@pytest.mark.parametrize("status", ["o", "m", "r"])
def test_a_copy_that_is_not_available_is_not_lent(desk, status):
    other = MemberFactory()
    copy = BookInstanceFactory(
        status=status,
        borrower=other if status in "or" else None,
        due_back=today() + DAY if status == "o" else None,
    )
    response = lend(desk, copy, MemberFactory())
    assert response.status_code == 200
    assert response.context["form"].errors
    copy.refresh_from_db()
    assert copy.status == status
    assert copy.borrower == (other if status in "or" else None)
    assert (
        not Loan.objects.filter(copy=copy, returned_on__isnull=True)
        .exclude(borrower=other)
        .exists()
    )


@pytest.mark.parametrize(
    "due",
    [today() - DAY, today() + datetime.timedelta(weeks=4) + DAY, "not a date", "2024-13-45", ""],
)
def test_a_due_date_out_of_range_is_a_form_error(desk, due):
    copy = BookInstanceFactory()
    response = desk.post(
        reverse("lend-book-librarian", args=[copy.pk]),
        {
            "borrower": MemberFactory().username,
            "due_back": due if isinstance(due, str) else iso(due),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    copy.refresh_from_db()
    assert copy.status == "a"
    assert not Loan.objects.exists()


@pytest.mark.parametrize("name", ["nobody", "", "x" * 500, "\x00", "inactive"])
def test_an_unknown_or_inactive_borrower_is_a_form_error(desk, name):
    MemberFactory(username="inactive", is_active=False)
    copy = BookInstanceFactory()
    response = lend(desk, copy, name)
    assert response.status_code == 200
    assert response.context["form"].errors
    copy.refresh_from_db()
    assert copy.status == "a"
    assert not Loan.objects.exists()


def test_lending_the_copy_twice_is_refused_the_second_time(desk):
    copy = BookInstanceFactory()
    first, second = MemberFactory(), MemberFactory()
    assert lend(desk, copy, first).status_code == 302
    response = lend(desk, copy, second)
    assert response.status_code == 200
    assert response.context["form"].errors
    copy.refresh_from_db()
    assert copy.borrower == first
    assert Loan.objects.count() == 1


def test_the_lend_page_needs_the_permission_and_an_existing_copy(client):
    copy = BookInstanceFactory()
    path = f"/catalog/bookinstance/{copy.pk}/lend/"
    response = client.get(path)
    assert response["Location"] == f"/accounts/login/?next={path}"
    client.force_login(MemberFactory())
    assert client.get(path).status_code == 403
    assert lend(client, copy, MemberFactory()).status_code == 403
    client.force_login(LibrarianFactory())
    missing = "/catalog/bookinstance/00000000-0000-4000-8000-000000000000/lend/"
    assert client.get(missing).status_code == 404


# Return


def test_returning_a_copy_closes_its_loan_and_makes_it_available(desk):
    copy = BookInstanceFactory()
    lend(desk, copy, MemberFactory())
    path = f"/catalog/bookinstance/{copy.pk}/return/"
    assert reverse("return-book-librarian", args=[copy.pk]) == path
    response = desk.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("all-borrowed")
    copy.refresh_from_db()
    assert (copy.status, copy.borrower, copy.due_back) == ("a", None, None)
    assert Loan.objects.get(copy=copy).returned_on == today()


def test_return_is_post_only(desk):
    copy = LoanedCopyFactory()
    assert desk.get(f"/catalog/bookinstance/{copy.pk}/return/").status_code == 405
    copy.refresh_from_db()
    assert copy.status == "o"


def test_returning_a_copy_that_is_not_on_loan_changes_nothing_and_says_so(desk):
    copy = BookInstanceFactory(status="m")
    response = desk.post(f"/catalog/bookinstance/{copy.pk}/return/", follow=True)
    assert response.status_code == 200
    assert messages_of(response)
    copy.refresh_from_db()
    assert copy.status == "m"


def test_a_copy_on_loan_without_a_loan_row_can_be_returned_and_renewed(desk):
    copy = LoanedCopyFactory()
    assert not Loan.objects.exists()
    response = desk.post(
        f"/catalog/book/{copy.pk}/renew/",
        {"renewal_date": iso(today() + datetime.timedelta(days=20))},
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.due_back == today() + datetime.timedelta(days=20)
    response = desk.post(f"/catalog/bookinstance/{copy.pk}/return/")
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.status == "a"


def test_a_copy_on_loan_without_a_loan_row_or_due_date_can_be_renewed(desk):
    copy = LoanedCopyFactory(due_back=None)
    response = desk.post(f"/catalog/book/{copy.pk}/renew/", {"renewal_date": iso(today() + DAY)})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "next_value, expected",
    [
        ("/catalog/desk/?copy=abc", "/catalog/desk/?copy=abc"),
        ("https://evil.example/", "/catalog/borrowed/"),
        ("//evil.example/", "/catalog/borrowed/"),
        ("word", "/catalog/borrowed/"),
        ("\x00", "/catalog/borrowed/"),
    ],
)
def test_return_goes_back_to_a_safe_next_only(desk, next_value, expected):
    copy = LoanedCopyFactory()
    response = desk.post(f"/catalog/bookinstance/{copy.pk}/return/", {"next": next_value})
    assert response.status_code == 302
    assert response["Location"] == expected


def test_members_cannot_return_copies(client):
    copy = LoanedCopyFactory()
    path = f"/catalog/bookinstance/{copy.pk}/return/"
    assert client.post(path).status_code == 302
    client.force_login(MemberFactory())
    assert client.post(path).status_code == 403
    copy.refresh_from_db()
    assert copy.status == "o"


# Renew (librarian)


def test_the_librarians_renewal_moves_the_loan_and_counts_it(desk):
    copy = BookInstanceFactory()
    lend(desk, copy, MemberFactory())
    new_due = today() + datetime.timedelta(weeks=4)
    response = desk.post(f"/catalog/book/{copy.pk}/renew/", {"renewal_date": iso(new_due)})
    assert response.status_code == 302
    assert response["Location"] == reverse("all-borrowed")
    loan = Loan.objects.get(copy=copy)
    copy.refresh_from_db()
    assert loan.due_back == copy.due_back == new_due
    assert loan.renewals == 1
    page = desk.get(f"/catalog/book/{copy.pk}/renew/").content.decode()
    assert re.search(r"Renewals[^<]*</dt>\s*<dd>1<", page)


def test_the_renew_page_warns_when_someone_waits_for_the_book(desk):
    copy = BookInstanceFactory()
    lend(desk, copy, MemberFactory())
    waiting = MemberFactory()
    desk.force_login(waiting)
    desk.post(reverse("place-hold", args=[copy.book.pk]))
    desk.force_login(LibrarianFactory())
    page = desk.get(f"/catalog/book/{copy.pk}/renew/").content.decode()
    assert "waiting" in page


# Renew (patron)


@pytest.fixture
def my_loan(client):
    member = MemberFactory()
    copy = BookInstanceFactory()
    librarian = LibrarianFactory()
    client.force_login(librarian)
    lend(client, copy, member, today() + datetime.timedelta(days=5))
    client.force_login(member)
    return copy, member


def renew_mine(client, copy):
    return client.post(f"/catalog/bookinstance/{copy.pk}/renew-mine/", follow=True)


def test_a_patron_renews_their_own_loan_for_three_weeks(client, my_loan):
    copy, member = my_loan
    assert (
        reverse("renew-book-patron", args=[copy.pk])
        == f"/catalog/bookinstance/{copy.pk}/renew-mine/"
    )
    response = client.post(f"/catalog/bookinstance/{copy.pk}/renew-mine/")
    assert response.status_code == 302
    assert response["Location"] == reverse("my-borrowed")
    copy.refresh_from_db()
    loan = Loan.objects.get(copy=copy)
    assert copy.due_back == loan.due_back == today() + datetime.timedelta(weeks=3)
    assert loan.renewals == 1


def test_a_patron_renews_at_most_twice(client, my_loan):
    copy, _ = my_loan
    renew_mine(client, copy)
    renew_mine(client, copy)
    response = renew_mine(client, copy)
    assert response.redirect_chain[-1][0] == reverse("my-borrowed")
    assert messages_of(response)
    assert Loan.objects.get(copy=copy).renewals == 2


def test_a_renewal_never_moves_the_due_date_earlier(client, my_loan):
    copy, _ = my_loan
    later = today() + datetime.timedelta(weeks=4)
    BookInstance.objects.filter(pk=copy.pk).update(due_back=later)
    Loan.objects.filter(copy=copy).update(due_back=later)
    renew_mine(client, copy)
    copy.refresh_from_db()
    loan = Loan.objects.get(copy=copy)
    assert copy.due_back == loan.due_back == later
    assert loan.renewals == 1


def test_a_patron_cannot_renew_when_someone_waits(client, my_loan):
    copy, member = my_loan
    client.force_login(MemberFactory())
    client.post(reverse("place-hold", args=[copy.book.pk]))
    client.force_login(member)
    response = renew_mine(client, copy)
    assert response.redirect_chain[-1][0] == reverse("my-borrowed")
    assert messages_of(response)
    loan = Loan.objects.get(copy=copy)
    assert loan.renewals == 0
    assert loan.due_back == today() + datetime.timedelta(days=5)


def test_a_patron_cannot_renew_someone_elses_loan(client, my_loan):
    copy, _ = my_loan
    client.force_login(MemberFactory())
    response = renew_mine(client, copy)
    assert response.redirect_chain[-1][0] == reverse("my-borrowed")
    assert messages_of(response)
    assert Loan.objects.get(copy=copy).renewals == 0


def test_patron_renewal_is_post_only_and_needs_a_login(client, my_loan):
    copy, _ = my_loan
    path = f"/catalog/bookinstance/{copy.pk}/renew-mine/"
    assert client.get(path).status_code == 405
    client.logout()
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_borrowed_has_a_renew_button_per_loan(client, my_loan):
    copy, _ = my_loan
    content = client.get("/catalog/mybooks/").content.decode()
    assert f'action="/catalog/bookinstance/{copy.pk}/renew-mine/"' in content


# The desk


@pytest.mark.parametrize(
    "shape", [str, lambda u: str(u).upper(), lambda u: u.hex, lambda u: u.hex.upper()]
)
def test_the_desk_finds_a_copy_by_any_shape_of_its_id(desk, shape):
    member = MemberFactory(username="reader42")
    copy = LoanedCopyFactory(borrower=member, book__title="Persuasion")
    assert reverse("circulation-desk") == "/catalog/desk/"
    response = desk.get("/catalog/desk/", {"copy": f"  {shape(copy.pk)} "})
    assert response.status_code == 200
    assert "catalog/circulation_desk.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "Persuasion" in content
    assert "On loan" in content
    assert "reader42" in content
    assert f'action="/catalog/bookinstance/{copy.pk}/return/"' in content
    assert f"/catalog/book/{copy.pk}/renew/" in content


def test_the_desk_offers_lending_for_an_available_copy(desk):
    copy = BookInstanceFactory()
    content = desk.get("/catalog/desk/", {"copy": str(copy.pk)}).content.decode()
    assert "Available" in content
    assert f'action="/catalog/bookinstance/{copy.pk}/lend/"' in content
    assert f'action="/catalog/bookinstance/{copy.pk}/return/"' not in content


@pytest.mark.parametrize(
    "value", ["nothing", "00000000-0000-4000-8000-000000000000", "", "\x00", "x" * 5000, "{}"]
)
def test_an_unknown_copy_id_says_so_at_the_desk(desk, value):
    response = desk.get("/catalog/desk/", {"copy": value})
    assert response.status_code == 200
    if value:
        assert response.context["form"].errors


def test_the_desk_is_for_librarians(client):
    response = client.get("/catalog/desk/")
    assert response["Location"] == "/accounts/login/?next=/catalog/desk/"
    client.force_login(MemberFactory())
    assert client.get("/catalog/desk/").status_code == 403


# Histories


def test_a_copys_page_shows_librarians_its_loans_newest_first(desk):
    copy = BookInstanceFactory()
    first, second = MemberFactory(username="firstreader"), MemberFactory(username="secondreader")
    Loan.objects.create(
        copy=copy,
        borrower=first,
        lent_on=today() - datetime.timedelta(days=40),
        due_back=today() - datetime.timedelta(days=20),
        returned_on=today() - datetime.timedelta(days=25),
    )
    Loan.objects.create(copy=copy, borrower=second, lent_on=today() - DAY, due_back=today() + DAY)
    content = desk.get(copy.get_absolute_url()).content.decode()
    assert content.index("secondreader") < content.index("firstreader")


def test_a_copys_history_is_not_shown_to_patrons(client):
    copy = BookInstanceFactory()
    Loan.objects.create(
        copy=copy,
        borrower=MemberFactory(username="secretreader"),
        lent_on=today(),
        due_back=today(),
    )
    client.force_login(MemberFactory())
    assert "secretreader" not in client.get(copy.get_absolute_url()).content.decode()
    client.logout()
    assert "secretreader" not in client.get(copy.get_absolute_url()).content.decode()


def test_the_patron_page_shows_a_persons_loans_and_holds(desk):
    member = MemberFactory(username="reader7")
    copy = BookInstanceFactory(book__title="Open Book")
    past = BookInstanceFactory(book__title="Past Book")
    lend(desk, copy, member)
    Loan.objects.create(
        copy=past,
        borrower=member,
        lent_on=today() - datetime.timedelta(days=30),
        due_back=today() - datetime.timedelta(days=9),
        returned_on=today() - datetime.timedelta(days=10),
    )
    path = f"/catalog/patron/{member.pk}/"
    assert reverse("patron-detail", args=[member.pk]) == path
    response = desk.get(path)
    assert response.status_code == 200
    assert "catalog/patron_detail.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "reader7" in content and "Open Book" in content and "Past Book" in content


def test_the_patron_page_is_for_librarians_and_404_for_nobody(client):
    member = MemberFactory()
    path = f"/catalog/patron/{member.pk}/"
    assert client.get(path)["Location"] == f"/accounts/login/?next={path}"
    client.force_login(member)
    assert client.get(path).status_code == 403
    client.force_login(LibrarianFactory())
    assert client.get("/catalog/patron/999999/").status_code == 404


def test_a_patron_sees_only_their_own_history_paginated(client):
    me, other = MemberFactory(), MemberFactory()
    for n in range(12):
        Loan.objects.create(
            copy=BookInstanceFactory(book__title=f"Mine {n:02d}"),
            borrower=me,
            lent_on=today() - datetime.timedelta(days=30 + n),
            due_back=today() - datetime.timedelta(days=10 + n),
            returned_on=today() - datetime.timedelta(days=11 + n),
        )
    Loan.objects.create(
        copy=BookInstanceFactory(book__title="Theirs"),
        borrower=other,
        lent_on=today(),
        due_back=today(),
    )
    client.force_login(me)
    assert reverse("my-history") == "/catalog/mybooks/history/"
    response = client.get("/catalog/mybooks/history/")
    assert response.status_code == 200
    assert "catalog/loan_history_user.html" in [t.name for t in response.templates]
    assert response.context["is_paginated"]
    loans = list(response.context["page_obj"].object_list)
    assert len(loans) == 10
    assert all(loan.borrower == me for loan in loans)
    assert loans[0].lent_on > loans[-1].lent_on
    assert "Theirs" not in response.content.decode()


def test_my_history_needs_a_login(client):
    response = client.get("/catalog/mybooks/history/")
    assert response["Location"] == "/accounts/login/?next=/catalog/mybooks/history/"


def test_status_labels_are_shown_not_codes(client):
    copy = LoanedCopyFactory()
    content = client.get(copy.book.get_absolute_url()).content.decode()
    assert "On loan" in content


def test_a_copy_edited_back_to_available_can_be_lent_again(desk):
    """A librarian who shelves a copy through its edit page ends its loan, not the copy's use."""
    copy = BookInstanceFactory()
    first, second = MemberFactory(), MemberFactory()
    lend(desk, copy, first)
    response = desk.post(
        f"/catalog/bookinstance/{copy.pk}/update/",
        {
            "book": copy.book.pk,
            "imprint": copy.imprint,
            "status": "a",
            "due_back": "",
            "borrower": "",
        },
    )
    assert response.status_code == 302
    response = lend(desk, copy, second)
    assert response.status_code == 302
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == ("o", second)
    assert Loan.objects.get(copy=copy, returned_on__isnull=True).borrower == second
    assert Loan.objects.get(copy=copy, borrower=first).returned_on == today()


def test_editing_a_lent_copys_due_date_moves_its_loan(desk):
    copy = BookInstanceFactory()
    member = MemberFactory()
    lend(desk, copy, member)
    new_due = today() + datetime.timedelta(days=2)
    response = desk.post(
        f"/catalog/bookinstance/{copy.pk}/update/",
        {
            "book": copy.book.pk,
            "imprint": copy.imprint,
            "status": "o",
            "due_back": iso(new_due),
            "borrower": member.pk,
        },
    )
    assert response.status_code == 302
    assert Loan.objects.get(copy=copy).due_back == new_due


def test_librarian_correcting_a_lent_copys_borrower_corrects_its_loan(desk):
    """Lent to the wrong person at the desk: the edit page puts it right on the loan too."""
    copy = BookInstanceFactory()
    wrong, right = MemberFactory(), MemberFactory()
    lend(desk, copy, wrong)
    due = Loan.objects.get(copy=copy).due_back
    response = desk.post(
        f"/catalog/bookinstance/{copy.pk}/update/",
        {
            "book": copy.book.pk,
            "imprint": copy.imprint,
            "status": "o",
            "due_back": iso(due),
            "borrower": right.pk,
        },
    )
    assert response.status_code == 302
    loan = Loan.objects.get(copy=copy)
    assert (loan.borrower, loan.due_back, loan.returned_on) == (right, due, None)


@pytest.mark.parametrize("emptied", ["due_back", "borrower"])
def test_librarian_cannot_empty_the_due_date_or_borrower_of_a_lent_copy(desk, emptied):
    copy = BookInstanceFactory()
    member = MemberFactory()
    lend(desk, copy, member)
    loan = Loan.objects.get(copy=copy)
    data = {
        "book": copy.book.pk,
        "imprint": copy.imprint,
        "status": "o",
        "due_back": iso(loan.due_back),
        "borrower": member.pk,
    }
    response = desk.post(f"/catalog/bookinstance/{copy.pk}/update/", {**data, emptied: ""})
    assert response.status_code == 200
    assert "its loan needs a borrower and a due date" in response.content.decode()
    copy.refresh_from_db()
    assert (copy.borrower, copy.due_back) == (member, loan.due_back)
    after = Loan.objects.get(copy=copy)
    assert (after.borrower, after.due_back, after.returned_on) == (member, loan.due_back, None)


def test_shelving_a_lent_copy_by_its_edit_page_ends_the_loan(desk):
    copy = BookInstanceFactory()
    lend(desk, copy, MemberFactory())
    desk.post(
        f"/catalog/bookinstance/{copy.pk}/update/",
        {
            "book": copy.book.pk,
            "imprint": copy.imprint,
            "status": "m",
            "due_back": "",
            "borrower": "",
        },
    )
    assert Loan.objects.get(copy=copy).returned_on == today()
    assert not Loan.objects.filter(returned_on__isnull=True).exists()


def test_the_desk_box_also_answers_a_post(desk):
    copy = LoanedCopyFactory(book__title="Posted Lookup")
    response = desk.post("/catalog/desk/", {"copy": copy.pk.hex})
    assert response.status_code == 200
    assert "Posted Lookup" in response.content.decode()
    assert desk.post("/catalog/desk/", {"copy": "nothing"}).status_code == 200
    assert desk.put("/catalog/desk/").status_code == 405

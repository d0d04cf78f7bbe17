"""The admin's loans and holds: lists with filters and search, a copy's loans inline."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import Hold, Loan

from .factories import BookFactory, BookInstanceFactory, MemberFactory

pytestmark = pytest.mark.django_db

LOANS = reverse("admin:catalog_loan_changelist")
HOLDS = reverse("admin:catalog_hold_changelist")


def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def loan(title, username, due_in, returned=False):
    copy = BookInstanceFactory(book=BookFactory(title=title))
    return Loan.objects.create(
        copy=copy,
        borrower=MemberFactory(username=username),
        lent_on=in_days(-20),
        due_back=in_days(due_in),
        returned_on=in_days(-1) if returned else None,
    )


@pytest.fixture
def loans():
    return {
        "open": loan("Open Book", "olive", due_in=5),
        "overdue": loan("Late Book", "larry", due_in=-2),
        "returned": loan("Back Book", "bella", due_in=-5, returned=True),
    }


def shown(admin_client, url, **params):
    content = admin_client.get(url, params).content.decode()
    return {title for title in ("Open Book", "Late Book", "Back Book") if title in content}


@pytest.mark.parametrize("model", ["loan", "hold"])
def test_superuser_opens_the_loan_and_hold_lists_and_add_pages(admin_client, loans, model):
    Hold.objects.create(book=loans["open"].copy.book, patron=MemberFactory())
    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 200


def test_loan_list_filters_open_returned_and_overdue(admin_client, loans):
    assert shown(admin_client, LOANS) == {"Open Book", "Late Book", "Back Book"}
    assert shown(admin_client, LOANS, state="open") == {"Open Book", "Late Book"}
    assert shown(admin_client, LOANS, state="returned") == {"Back Book"}
    assert shown(admin_client, LOANS, state="overdue") == {"Late Book"}


@pytest.mark.parametrize("term, found", [("late", "Late Book"), ("bella", "Back Book")])
def test_loan_list_searches_by_title_and_user_name(admin_client, loans, term, found):
    assert shown(admin_client, LOANS, q=term) == {found}


def test_loan_list_costs_the_same_queries_for_many_loans(admin_client, loans):
    with CaptureQueriesContext(connection) as few:
        admin_client.get(LOANS)
    for n in range(15):
        loan(f"More {n}", f"reader{n}", due_in=n)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(LOANS)
    assert len(many) == len(few)


def test_hold_list_filters_ready_and_waiting(admin_client, loans):
    book = loans["open"].copy.book
    waiting = Hold.objects.create(book=book, patron=MemberFactory(username="wendy"))
    ready_copy = BookInstanceFactory(book=BookFactory(title="Ready Book"))
    Hold.objects.create(
        book=ready_copy.book,
        patron=MemberFactory(username="rita"),
        copy=ready_copy,
        ready_on=in_days(0),
    )
    ready = admin_client.get(HOLDS, {"state": "ready"}).content.decode()
    assert "rita" in ready and "wendy" not in ready
    assert waiting.patron.username in admin_client.get(HOLDS, {"state": "waiting"}).content.decode()


def test_copy_change_page_shows_its_loans_inline(admin_client, loans):
    copy = loans["returned"].copy
    content = admin_client.get(reverse("admin:catalog_bookinstance_change", args=[copy.pk]))
    assert "bella" in content.content.decode()


def test_the_admin_refuses_to_empty_the_borrower_of_a_copy_whose_loan_is_open(admin_client):
    copy = BookInstanceFactory()
    member = MemberFactory()
    services.lend_copy(copy=copy, borrower=member, due_back=in_days(7))
    copy.refresh_from_db()
    response = admin_client.post(
        reverse("admin:catalog_bookinstance_change", args=[copy.pk]),
        {
            "book": copy.book.pk,
            "imprint": copy.imprint,
            "status": "o",
            "due_back": copy.due_back.isoformat(),
            "borrower": "",
            "loans-TOTAL_FORMS": "0",
            "loans-INITIAL_FORMS": "0",
            "holds-TOTAL_FORMS": "0",
            "holds-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "its loan needs a borrower and a due date" in response.content.decode()
    loan = Loan.objects.get(copy=copy)
    copy.refresh_from_db()
    assert (copy.borrower, loan.borrower, loan.returned_on) == (member, member, None)

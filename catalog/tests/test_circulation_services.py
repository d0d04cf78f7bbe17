"""Lend, return and renew (catalog/services.py) against the real database: every rule."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import services
from catalog.models import LOAN_PERIOD, MAX_PATRON_RENEWALS, BookInstance, Hold, Loan
from catalog.services import CirculationError

from . import factories
from .factories import in_days, today

pytestmark = pytest.mark.django_db

Status = BookInstance.LoanStatus


def assert_copy_agrees_with_loan(copy):
    copy.refresh_from_db()
    loan = copy.loans.open().get()
    assert (copy.status, copy.borrower_id, copy.due_back) == (
        Status.ON_LOAN,
        loan.borrower_id,
        loan.due_back,
    )


def assert_refused(message, action, copy):
    """The action raises the rule's message and leaves the copy and its loans as they were."""
    copy.refresh_from_db()
    before = (copy.status, copy.borrower_id, copy.due_back)
    loans_before = list(Loan.objects.filter(copy=copy).values())
    with pytest.raises(CirculationError) as refused:
        action()
    assert refused.value.message == message
    assert str(refused.value) == message
    copy.refresh_from_db()
    assert (copy.status, copy.borrower_id, copy.due_back) == before
    assert list(Loan.objects.filter(copy=copy).values()) == loans_before


@pytest.fixture
def patron():
    return factories.MemberFactory()


@pytest.fixture
def copy():
    return factories.BookInstanceFactory()


@pytest.fixture
def lent_copy(patron):
    copy = factories.BookInstanceFactory()
    services.lend_copy(copy=copy, borrower=patron, due_back=in_days(21))
    copy.refresh_from_db()
    return copy


# Lend


def test_librarian_lends_an_available_copy_and_the_loan_is_remembered(copy, patron):
    loan = services.lend_copy(copy=copy, borrower=patron, due_back=in_days(21))
    assert (loan.copy_id, loan.borrower, loan.lent_on, loan.due_back) == (
        copy.pk,
        patron,
        today(),
        in_days(21),
    )
    assert (loan.returned_on, loan.renewals) == (None, 0)
    assert_copy_agrees_with_loan(copy)


def test_lend_takes_the_copys_pk_too(copy, patron):
    services.lend_copy(copy=copy.pk, borrower=patron, due_back=in_days(7))
    assert_copy_agrees_with_loan(copy)


def test_a_copy_on_loan_cannot_be_lent_again(lent_copy):
    other = factories.MemberFactory()
    assert_refused(
        services.COPY_ON_LOAN,
        lambda: services.lend_copy(copy=lent_copy, borrower=other, due_back=in_days(7)),
        lent_copy,
    )
    assert lent_copy.loans.count() == 1


def test_a_stale_copy_object_cannot_lend_twice(copy, patron):
    """The second desk's form still holds the copy as available: the row is re-read."""
    stale = BookInstance.objects.get(pk=copy.pk)
    services.lend_copy(copy=copy, borrower=patron, due_back=in_days(7))
    assert stale.status == Status.AVAILABLE
    with pytest.raises(CirculationError):
        services.lend_copy(copy=stale, borrower=factories.MemberFactory(), due_back=in_days(7))
    assert Loan.objects.filter(copy=copy).count() == 1


@pytest.mark.parametrize("status", [Status.MAINTENANCE, ""])
def test_a_copy_in_maintenance_or_without_status_cannot_be_lent(patron, status):
    copy = factories.BookInstanceFactory(status=status)
    assert_refused(
        services.COPY_NOT_AVAILABLE,
        lambda: services.lend_copy(copy=copy, borrower=patron, due_back=in_days(7)),
        copy,
    )


def test_a_copy_set_aside_for_someone_else_cannot_be_lent(patron):
    copy = factories.BookInstanceFactory(status=Status.RESERVED, borrower=factories.MemberFactory())
    assert_refused(
        services.COPY_RESERVED_FOR_OTHER,
        lambda: services.lend_copy(copy=copy, borrower=patron, due_back=in_days(7)),
        copy,
    )


def test_a_copy_set_aside_for_the_borrower_is_lent_to_them(patron):
    copy = factories.BookInstanceFactory(status=Status.RESERVED, borrower=patron)
    services.lend_copy(copy=copy, borrower=patron, due_back=in_days(7))
    assert_copy_agrees_with_loan(copy)


def test_an_inactive_user_cannot_borrow(copy):
    inactive = factories.MemberFactory(is_active=False)
    assert_refused(
        services.BORROWER_INACTIVE,
        lambda: services.lend_copy(copy=copy, borrower=inactive, due_back=in_days(7)),
        copy,
    )


@pytest.mark.parametrize(
    "days, message",
    [(-1, services.DUE_DATE_IN_PAST), (29, services.DUE_DATE_TOO_FAR)],
)
def test_a_due_date_out_of_range_is_refused(copy, patron, days, message):
    assert_refused(
        message,
        lambda: services.lend_copy(copy=copy, borrower=patron, due_back=in_days(days)),
        copy,
    )


@pytest.mark.parametrize("days", [0, 28])
def test_due_dates_from_today_to_four_weeks_are_accepted(copy, patron, days):
    loan = services.lend_copy(copy=copy, borrower=patron, due_back=in_days(days))
    assert loan.due_back == in_days(days)


def test_the_database_refuses_a_second_open_loan_of_a_copy(lent_copy, patron):
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(copy=lent_copy, borrower=patron, lent_on=today(), due_back=today())


def test_a_copy_shelved_by_an_edit_with_its_loan_open_can_be_lent(copy, patron):
    """Marked available (the copy form, the admin) with its loan left open: that loan ended.

    Two desks lending at once are refused by the copy's lock and the database's constraint
    (services/test_concurrent_lend.py); an old open loan must not block the copy for ever.
    """
    old = Loan.objects.create(copy=copy, borrower=patron, lent_on=in_days(-9), due_back=in_days(3))
    other = factories.MemberFactory()
    loan = services.lend_copy(copy=copy, borrower=other, due_back=in_days(7))
    old.refresh_from_db()
    assert old.returned_on == today()
    assert Loan.objects.open().get(copy=copy) == loan
    assert loan.borrower == other


def test_the_lend_date_is_the_librarys_local_date(copy, patron, settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: often a day ahead of UTC
    loan = services.lend_copy(copy=copy, borrower=patron, due_back=timezone.localdate())
    assert loan.lent_on == timezone.localdate()


# Return


def test_a_return_closes_the_loan_and_makes_the_copy_available(lent_copy, patron):
    loan = services.return_copy(copy=lent_copy)
    assert loan.returned_on == today()
    lent_copy.refresh_from_db()
    assert (lent_copy.status, lent_copy.borrower, lent_copy.due_back) == (
        Status.AVAILABLE,
        None,
        None,
    )
    # The history keeps who had it.
    assert Loan.objects.returned().get(copy=lent_copy).borrower == patron


def test_a_copy_not_on_loan_is_left_as_it_is_on_return(copy):
    assert_refused(services.COPY_NOT_ON_LOAN, lambda: services.return_copy(copy=copy), copy)


def test_a_copy_returned_twice_is_refused_the_second_time(lent_copy):
    services.return_copy(copy=lent_copy)
    assert_refused(
        services.COPY_NOT_ON_LOAN, lambda: services.return_copy(copy=lent_copy), lent_copy
    )
    assert Loan.objects.returned().count() == 1


def test_a_copy_on_loan_without_a_loan_row_can_be_returned():
    copy = factories.LoanedCopyFactory()
    assert services.return_copy(copy=copy) is None
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == (Status.AVAILABLE, None)


def test_a_returned_copy_can_be_lent_again_with_a_new_loan(lent_copy):
    services.return_copy(copy=lent_copy)
    services.lend_copy(copy=lent_copy, borrower=factories.MemberFactory(), due_back=in_days(7))
    assert lent_copy.loans.count() == 2
    assert lent_copy.loans.open().count() == 1
    assert_copy_agrees_with_loan(lent_copy)


# The librarian's renewal


def test_librarian_renewal_moves_the_loan_with_the_copy_and_counts_it(lent_copy):
    loan = services.renew_loan(copy=lent_copy, due_back=in_days(28))
    assert (loan.due_back, loan.renewals) == (in_days(28), 1)
    assert_copy_agrees_with_loan(lent_copy)
    loan = services.renew_loan(copy=lent_copy, due_back=in_days(10))
    assert (loan.due_back, loan.renewals) == (in_days(10), 2)


def test_librarian_may_renew_past_the_patrons_limit(lent_copy):
    for _ in range(MAX_PATRON_RENEWALS + 1):
        loan = services.renew_loan(copy=lent_copy, due_back=in_days(28))
    assert loan.renewals == MAX_PATRON_RENEWALS + 1


@pytest.mark.parametrize(
    "days, message",
    [(-1, services.DUE_DATE_IN_PAST), (29, services.DUE_DATE_TOO_FAR)],
)
def test_librarian_renewal_out_of_range_changes_nothing(lent_copy, days, message):
    assert_refused(
        message, lambda: services.renew_loan(copy=lent_copy, due_back=in_days(days)), lent_copy
    )


def test_librarian_cannot_renew_a_copy_not_on_loan(copy):
    assert_refused(
        services.COPY_NOT_ON_LOAN,
        lambda: services.renew_loan(copy=copy, due_back=in_days(7)),
        copy,
    )


def test_a_copy_on_loan_without_a_loan_row_can_be_renewed_and_gets_one():
    copy = factories.LoanedCopyFactory()
    loan = services.renew_loan(copy=copy, due_back=in_days(20))
    assert (loan.borrower, loan.due_back, loan.renewals) == (copy.borrower, in_days(20), 1)
    assert_copy_agrees_with_loan(copy)


# The patron's own renewal


def test_patron_renews_their_own_loan_to_three_weeks_from_today(lent_copy, patron):
    services.renew_loan(copy=lent_copy, due_back=in_days(2))
    loan = services.renew_own_loan(copy=lent_copy, patron=patron)
    assert (loan.due_back, loan.renewals) == (today() + LOAN_PERIOD, 2)
    assert_copy_agrees_with_loan(lent_copy)


def test_patron_renewal_never_brings_the_due_date_forward(lent_copy, patron):
    services.renew_loan(copy=lent_copy, due_back=in_days(28))
    loan = services.renew_own_loan(copy=lent_copy, patron=patron)
    assert loan.due_back == in_days(28)
    assert loan.renewals == 2


def test_patron_can_renew_twice_and_is_told_why_not_a_third_time(lent_copy, patron):
    for _ in range(MAX_PATRON_RENEWALS):
        services.renew_own_loan(copy=lent_copy, patron=patron)
    assert_refused(
        services.RENEWAL_LIMIT_REACHED,
        lambda: services.renew_own_loan(copy=lent_copy, patron=patron),
        lent_copy,
    )


def test_patron_cannot_renew_someone_elses_copy(lent_copy):
    assert_refused(
        services.NOT_YOUR_LOAN,
        lambda: services.renew_own_loan(copy=lent_copy, patron=factories.MemberFactory()),
        lent_copy,
    )


def test_patron_cannot_renew_a_copy_not_on_loan(patron):
    copy = factories.BookInstanceFactory(status=Status.RESERVED, borrower=patron)
    assert_refused(
        services.NOT_YOUR_LOAN, lambda: services.renew_own_loan(copy=copy, patron=patron), copy
    )


def test_patron_cannot_renew_while_someone_waits_for_the_book(lent_copy, patron):
    Hold.objects.create(book=lent_copy.book, patron=factories.MemberFactory())
    assert_refused(
        services.HOLD_WAITING,
        lambda: services.renew_own_loan(copy=lent_copy, patron=patron),
        lent_copy,
    )


def test_an_ended_hold_does_not_stop_a_renewal(lent_copy, patron):
    Hold.objects.create(book=lent_copy.book, patron=factories.MemberFactory(), ended_on=today())
    assert services.renew_own_loan(copy=lent_copy, patron=patron).renewals == 1


def test_patron_renews_a_copy_on_loan_without_a_loan_row():
    copy = factories.LoanedCopyFactory()
    loan = services.renew_own_loan(copy=copy, patron=copy.borrower)
    assert (loan.renewals, loan.due_back) == (1, today() + LOAN_PERIOD)
    assert_copy_agrees_with_loan(copy)


# What the pages read


def test_loan_querysets_split_open_returned_and_overdue(patron):
    overdue = Loan.objects.create(
        copy=factories.BookInstanceFactory(),
        borrower=patron,
        lent_on=in_days(-30),
        due_back=in_days(-1),
    )
    due_today = Loan.objects.create(
        copy=factories.BookInstanceFactory(),
        borrower=patron,
        lent_on=in_days(-21),
        due_back=today(),
    )
    returned = Loan.objects.create(
        copy=factories.BookInstanceFactory(),
        borrower=patron,
        lent_on=in_days(-30),
        due_back=in_days(-9),
        returned_on=in_days(-8),
    )
    assert set(Loan.objects.open()) == {overdue, due_today}
    assert list(Loan.objects.returned()) == [returned]
    assert list(Loan.objects.overdue(today())) == [overdue]
    assert list(Loan.objects.overdue()) == [overdue]
    assert overdue.is_overdue and not due_today.is_overdue and not returned.is_overdue


def test_loans_are_listed_newest_first(patron):
    copy = factories.BookInstanceFactory()
    older = Loan.objects.create(
        copy=copy, borrower=patron, lent_on=in_days(-30), due_back=in_days(-9), returned_on=today()
    )
    newer = Loan.objects.create(copy=copy, borrower=patron, lent_on=today(), due_back=today())
    assert list(copy.loans.all()) == [newer, older]


def test_deleting_a_patron_keeps_their_loans_anonymised(lent_copy, patron):
    services.return_copy(copy=lent_copy)
    patron.delete()
    assert Loan.objects.get(copy=lent_copy).borrower is None

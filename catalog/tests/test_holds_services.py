"""Holds (catalog/services.py) against the real database: the queue, set aside, fulfil, expire."""

import datetime
import logging

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from catalog import services
from catalog.models import HOLD_READY_DAYS, MAX_ACTIVE_HOLDS, BookInstance, Hold
from catalog.services import CirculationError

from . import factories, mail_backends
from .factories import in_days, today

pytestmark = pytest.mark.django_db

Status = BookInstance.LoanStatus


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run `action` as a request would; the outbox then holds only the e-mails it sent."""

    def run(action):
        mail.outbox.clear()  # the set-up's own e-mails (holds made ready) are not the point
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def lent_copy():
    copy = factories.BookInstanceFactory()
    services.lend_copy(copy=copy, borrower=factories.MemberFactory(), due_back=in_days(7))
    copy.refresh_from_db()
    return copy


def place(book, patron, minutes_ago=0):
    hold = services.place_hold(book=book, patron=patron)
    if minutes_ago:
        Hold.objects.filter(pk=hold.pk).update(
            placed_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
        )
    hold.refresh_from_db()
    return hold


def assert_set_aside(copy, hold, ready_on=None):
    copy.refresh_from_db()
    hold.refresh_from_db()
    assert (copy.status, copy.borrower_id, copy.due_back) == (Status.RESERVED, hold.patron_id, None)
    assert (hold.copy_id, hold.ready_on, hold.ended_on) == (copy.pk, ready_on or today(), None)


def assert_available(copy):
    copy.refresh_from_db()
    assert (copy.status, copy.borrower, copy.due_back) == (Status.AVAILABLE, None, None)


# Placing a hold


def test_patron_joins_the_queue_when_every_copy_is_out(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    assert (hold.copy, hold.ready_on, hold.ended_on, hold.is_ready) == (None, None, None, False)
    assert list(Hold.objects.waiting()) == [hold]


def test_a_hold_is_ready_at_once_when_a_copy_is_available(run_on_commit):
    copy = factories.BookInstanceFactory()
    patron = factories.MemberFactory()
    hold = run_on_commit(lambda: services.place_hold(book=copy.book, patron=patron))
    assert_set_aside(copy, hold)
    assert hold.ready_until == in_days(HOLD_READY_DAYS)
    [message] = mail.outbox
    assert message.to == [patron.email]
    assert copy.book.title in message.subject
    assert "LocalLibrary" in message.body
    assert in_days(HOLD_READY_DAYS).isoformat() in message.body


def test_the_ready_mail_waits_for_the_commit(django_capture_on_commit_callbacks):
    copy = factories.BookInstanceFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():  # an enclosing transaction, still open
            services.place_hold(book=copy.book, patron=factories.MemberFactory())
        assert mail.outbox == []
    assert len(callbacks) == 1


def test_no_ready_mail_when_the_enclosing_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    copy = factories.BookInstanceFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.place_hold(book=copy.book, patron=factories.MemberFactory())
            raise RuntimeError("the request failed after the hold")
    assert callbacks == []
    assert mail.outbox == []
    assert not Hold.objects.exists()


def test_patron_cannot_hold_one_book_twice(lent_copy):
    patron = factories.MemberFactory()
    place(lent_copy.book, patron)
    with pytest.raises(CirculationError) as refused:
        services.place_hold(book=lent_copy.book, patron=patron)
    assert refused.value.message == services.HOLD_ALREADY_PLACED
    assert Hold.objects.count() == 1


def test_patron_may_hold_a_book_again_after_the_hold_ended(lent_copy):
    patron = factories.MemberFactory()
    services.cancel_hold(hold=place(lent_copy.book, patron), by=patron)
    assert place(lent_copy.book, patron).is_active


def test_patron_cannot_hold_a_book_they_have_on_loan(lent_copy):
    borrower = lent_copy.borrower
    with pytest.raises(CirculationError) as refused:
        services.place_hold(book=lent_copy.book, patron=borrower)
    assert refused.value.message == services.HOLD_ON_OWN_LOAN
    assert not Hold.objects.exists()
    services.return_copy(copy=lent_copy)
    assert services.place_hold(book=lent_copy.book, patron=borrower).copy == lent_copy


def test_patron_has_at_most_five_active_holds():
    patron = factories.MemberFactory()
    for _ in range(MAX_ACTIVE_HOLDS):
        place(factories.BookFactory(), patron)
    with pytest.raises(CirculationError) as refused:
        services.place_hold(book=factories.BookFactory(), patron=patron)
    assert refused.value.message == services.HOLD_LIMIT_REACHED
    assert Hold.objects.active().filter(patron=patron).count() == MAX_ACTIVE_HOLDS


def test_ended_holds_do_not_count_against_the_limit():
    patron = factories.MemberFactory()
    for _ in range(MAX_ACTIVE_HOLDS):
        services.cancel_hold(hold=place(factories.BookFactory(), patron), by=patron)
    assert place(factories.BookFactory(), patron).is_active


def test_an_inactive_account_cannot_place_holds():
    with pytest.raises(CirculationError) as refused:
        services.place_hold(
            book=factories.BookFactory(), patron=factories.MemberFactory(is_active=False)
        )
    assert refused.value.message == services.HOLD_PATRON_INACTIVE
    assert not Hold.objects.exists()


def test_a_hold_on_a_copy_in_maintenance_waits():
    copy = factories.BookInstanceFactory(status=Status.MAINTENANCE)
    hold = place(copy.book, factories.MemberFactory())
    assert not hold.is_ready
    copy.refresh_from_db()
    assert copy.status == Status.MAINTENANCE


# The queue and returns


def test_a_returned_copy_is_set_aside_for_the_oldest_hold(lent_copy, run_on_commit):
    newer = place(lent_copy.book, factories.MemberFactory(), minutes_ago=5)
    older = place(lent_copy.book, factories.MemberFactory(), minutes_ago=10)
    run_on_commit(lambda: services.return_copy(copy=lent_copy))
    assert_set_aside(lent_copy, older)
    newer.refresh_from_db()
    assert not newer.is_ready
    [message] = mail.outbox
    assert message.to == [older.patron.email]
    assert in_days(HOLD_READY_DAYS).isoformat() in message.body


def test_the_return_still_closes_the_loan_when_a_hold_takes_the_copy(lent_copy):
    place(lent_copy.book, factories.MemberFactory())
    loan = services.return_copy(copy=lent_copy)
    assert loan.returned_on == today()
    assert not lent_copy.loans.open().exists()


def test_queue_positions_count_from_one_per_book(lent_copy):
    first = place(lent_copy.book, factories.MemberFactory(), minutes_ago=3)
    second = place(lent_copy.book, factories.MemberFactory(), minutes_ago=2)
    elsewhere = place(factories.LoanedCopyFactory().book, second.patron)
    ready = place(factories.BookInstanceFactory().book, first.patron)
    positions = dict(Hold.objects.with_queue_position().values_list("pk", "queue_position"))
    assert positions == {first.pk: 1, second.pk: 2, elsewhere.pk: 1, ready.pk: None}


def test_queue_positions_move_up_when_a_hold_ahead_ends(lent_copy):
    first = place(lent_copy.book, factories.MemberFactory(), minutes_ago=3)
    second = place(lent_copy.book, factories.MemberFactory(), minutes_ago=2)
    services.cancel_hold(hold=first, by=first.patron)
    assert Hold.objects.with_queue_position().get(pk=second.pk).queue_position == 1


# Lending fulfils


def test_lending_the_set_aside_copy_to_its_patron_fulfils_the_hold(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    services.return_copy(copy=lent_copy)
    services.lend_copy(copy=lent_copy, borrower=hold.patron, due_back=in_days(21))
    hold.refresh_from_db()
    assert (hold.ended_on, hold.end_reason) == (today(), Hold.EndReason.FULFILLED)
    lent_copy.refresh_from_db()
    assert (lent_copy.status, lent_copy.borrower) == (Status.ON_LOAN, hold.patron)


def test_the_set_aside_copy_cannot_go_to_someone_else(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    services.return_copy(copy=lent_copy)
    with pytest.raises(CirculationError) as refused:
        services.lend_copy(copy=lent_copy, borrower=factories.MemberFactory(), due_back=in_days(7))
    assert refused.value.message == services.COPY_RESERVED_FOR_OTHER
    assert_set_aside(lent_copy, hold)


def test_lending_a_waiting_patron_any_copy_of_the_book_fulfils_their_hold(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    other_copy = factories.BookInstanceFactory(book=lent_copy.book)
    services.lend_copy(copy=other_copy, borrower=hold.patron, due_back=in_days(7))
    hold.refresh_from_db()
    assert hold.end_reason == Hold.EndReason.FULFILLED


def test_lending_another_copy_passes_the_set_aside_one_to_the_next_in_line(
    lent_copy, run_on_commit
):
    hold = place(lent_copy.book, factories.MemberFactory(), minutes_ago=5)
    next_hold = place(lent_copy.book, factories.MemberFactory(), minutes_ago=1)
    services.return_copy(copy=lent_copy)
    other_copy = factories.BookInstanceFactory(book=lent_copy.book)
    run_on_commit(
        lambda: services.lend_copy(copy=other_copy, borrower=hold.patron, due_back=in_days(7))
    )
    assert_set_aside(lent_copy, next_hold)
    assert [message.to for message in mail.outbox] == [[next_hold.patron.email]]


def test_lending_does_not_touch_other_patrons_holds(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    services.lend_copy(
        copy=factories.BookInstanceFactory(book=lent_copy.book),
        borrower=factories.MemberFactory(),
        due_back=today(),
    )
    hold.refresh_from_db()
    assert hold.is_active


# Cancelling


def test_patron_cancels_a_waiting_hold(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    services.cancel_hold(hold=hold, by=hold.patron)
    hold.refresh_from_db()
    assert (hold.ended_on, hold.end_reason) == (today(), Hold.EndReason.CANCELLED)
    lent_copy.refresh_from_db()
    assert lent_copy.status == Status.ON_LOAN


def test_cancelling_a_ready_hold_passes_the_copy_to_the_next_in_line(lent_copy, run_on_commit):
    first = place(lent_copy.book, factories.MemberFactory(), minutes_ago=5)
    second = place(lent_copy.book, factories.MemberFactory(), minutes_ago=1)
    services.return_copy(copy=lent_copy)
    run_on_commit(lambda: services.cancel_hold(hold=first, by=first.patron))
    assert_set_aside(lent_copy, second)
    assert [message.to for message in mail.outbox] == [[second.patron.email]]


def test_cancelling_the_last_ready_hold_makes_the_copy_available():
    copy = factories.BookInstanceFactory()
    hold = place(copy.book, factories.MemberFactory())
    services.cancel_hold(hold=hold.pk, by=hold.patron)
    assert_available(copy)


def test_a_librarian_may_cancel_anyones_hold(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    services.cancel_hold(hold=hold, by=factories.LibrarianFactory())
    hold.refresh_from_db()
    assert hold.end_reason == Hold.EndReason.CANCELLED


def test_another_patron_cannot_cancel_a_hold_and_is_not_told_it_exists(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    with pytest.raises(Hold.DoesNotExist):
        services.cancel_hold(hold=hold, by=factories.MemberFactory())
    hold.refresh_from_db()
    assert hold.is_active


def test_a_hold_cannot_be_cancelled_twice(lent_copy):
    hold = place(lent_copy.book, factories.MemberFactory())
    services.cancel_hold(hold=hold, by=hold.patron)
    with pytest.raises(CirculationError) as refused:
        services.cancel_hold(hold=hold, by=hold.patron)
    assert refused.value.message == services.HOLD_NOT_ACTIVE


def test_deleting_a_set_aside_copy_empties_the_holds_copy():
    copy = factories.BookInstanceFactory()
    hold = place(copy.book, factories.MemberFactory())
    copy.delete()
    hold.refresh_from_db()
    assert hold.copy is None


def test_deleting_a_ready_hold_in_the_admin_passes_its_copy_on(
    lent_copy, admin_client, run_on_commit
):
    first = place(lent_copy.book, factories.MemberFactory(), minutes_ago=5)
    second = place(lent_copy.book, factories.MemberFactory(), minutes_ago=1)
    services.return_copy(copy=lent_copy)
    url = f"/admin/catalog/hold/{first.pk}/delete/"
    run_on_commit(lambda: admin_client.post(url, {"post": "yes"}))
    assert not Hold.objects.filter(pk=first.pk).exists()
    assert_set_aside(lent_copy, second)
    assert [message.to for message in mail.outbox] == [[second.patron.email]]


def test_deleting_a_patron_with_a_ready_hold_puts_the_copy_back_on_the_shelf():
    copy = factories.BookInstanceFactory()
    hold = place(copy.book, factories.MemberFactory())
    assert copy.pk == hold.copy_id
    hold.patron.delete()
    assert_available(copy)


def test_deleting_a_patron_passes_their_ready_hold_to_the_next_in_line(lent_copy):
    first = place(lent_copy.book, factories.MemberFactory(), minutes_ago=5)
    second = place(lent_copy.book, factories.MemberFactory(), minutes_ago=1)
    services.return_copy(copy=lent_copy)
    first.patron.delete()
    assert_set_aside(lent_copy, second)


# Expiry


def make_ready(copy, days_ago):
    hold = place(copy.book, factories.MemberFactory())
    Hold.objects.filter(pk=hold.pk).update(ready_on=in_days(-days_ago))
    hold.refresh_from_db()
    return hold


def test_a_ready_hold_waits_until_ready_until_inclusive():
    copy = factories.BookInstanceFactory()
    hold = make_ready(copy, days_ago=HOLD_READY_DAYS)
    assert hold.ready_until == today()
    assert services.expire_holds() == 0
    assert_set_aside(copy, hold, ready_on=in_days(-HOLD_READY_DAYS))


def test_an_uncollected_hold_expires_the_day_after_and_the_copy_becomes_available():
    copy = factories.BookInstanceFactory()
    hold = make_ready(copy, days_ago=HOLD_READY_DAYS + 1)
    assert services.expire_holds() == 1
    hold.refresh_from_db()
    assert (hold.ended_on, hold.end_reason) == (today(), Hold.EndReason.EXPIRED)
    assert_available(copy)


def test_an_expired_holds_copy_passes_to_the_next_in_line(run_on_commit):
    copy = factories.BookInstanceFactory()
    make_ready(copy, days_ago=HOLD_READY_DAYS + 3)
    next_hold = place(copy.book, factories.MemberFactory())
    assert run_on_commit(services.expire_holds) == 1
    assert_set_aside(copy, next_hold)
    assert [message.to for message in mail.outbox] == [[next_hold.patron.email]]


def test_expiring_twice_on_one_day_changes_nothing_the_second_time():
    copy = factories.BookInstanceFactory()
    make_ready(copy, days_ago=HOLD_READY_DAYS + 1)
    next_hold = place(copy.book, factories.MemberFactory())
    assert services.expire_holds() == 1
    assert services.expire_holds() == 0
    assert_set_aside(copy, next_hold)


def test_expiry_takes_the_day_to_judge_by():
    copy = factories.BookInstanceFactory()
    make_ready(copy, days_ago=0)
    assert services.expire_holds(today=in_days(HOLD_READY_DAYS)) == 0
    assert services.expire_holds(today=in_days(HOLD_READY_DAYS + 1)) == 1


# Mail that fails or has nowhere to go


def test_a_refusing_mail_server_leaves_the_return_and_the_ready_hold_standing(
    lent_copy, run_on_commit, settings, caplog
):
    settings.EMAIL_BACKEND = mail_backends.REFUSING
    hold = place(lent_copy.book, factories.MemberFactory())
    with caplog.at_level(logging.WARNING):
        loan = run_on_commit(lambda: services.return_copy(copy=lent_copy))
    assert loan.returned_on == today()
    assert_set_aside(lent_copy, hold)
    [record] = [r for r in caplog.records if r.name == "catalog.mail"]
    assert record.levelno == logging.WARNING
    assert hold.patron.email in record.getMessage()


def test_a_patron_without_an_e_mail_address_gets_the_copy_but_no_mail(run_on_commit):
    copy = factories.BookInstanceFactory()
    patron = factories.MemberFactory(email="")
    hold = run_on_commit(lambda: services.place_hold(book=copy.book, patron=patron))
    assert_set_aside(copy, hold)
    assert mail.outbox == []

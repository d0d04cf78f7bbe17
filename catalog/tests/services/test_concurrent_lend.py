"""Two desks lend one copy at the same moment on real PostgreSQL: exactly one loan results.

Each lend runs in its own thread with its own database connection, as two requests would.
"""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from catalog import services
from catalog.models import BookInstance, Hold, Loan
from catalog.services import CirculationError

from ..factories import BookInstanceFactory, MemberFactory

# Real commits between threads; the groups the migrations made come back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DUE = timezone.localdate() + datetime.timedelta(weeks=3)


def in_thread(target):
    """Run target in a thread with its own connection; return a function giving its outcome."""
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as error:  # the outcome is what the test looks at
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()

    def join():
        thread.join(timeout=30)
        assert not thread.is_alive()
        return outcome

    return join


def test_two_lends_of_one_copy_at_once_make_exactly_one_loan():
    assert connection.vendor == "postgresql"
    copy = BookInstanceFactory()
    readers = [MemberFactory(), MemberFactory()]
    start = threading.Barrier(2)

    def lend_to(reader):
        def lend():
            start.wait()
            return services.lend_copy(copy=copy.pk, borrower=reader, due_back=DUE)

        return lend

    joins = [in_thread(lend_to(reader)) for reader in readers]
    outcomes = [join() for join in joins]

    winners = [o["result"] for o in outcomes if "result" in o]
    losers = [o["error"] for o in outcomes if "error" in o]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], CirculationError)
    assert losers[0].message == services.COPY_ON_LOAN
    assert Loan.objects.filter(copy=copy).count() == 1
    copy.refresh_from_db()
    assert (copy.status, copy.borrower_id) == (
        BookInstance.LoanStatus.ON_LOAN,
        winners[0].borrower.pk,
    )


def test_a_lend_waits_for_the_other_desk_and_then_is_refused():
    """The copy row is locked: the second lend waits for the first to commit, re-reads, refuses."""
    copy = BookInstanceFactory()
    first_reader, second_reader = MemberFactory(), MemberFactory()
    first_has_lock = threading.Event()
    hold_for = 0.5

    def first():
        with transaction.atomic():
            services.lend_copy(copy=copy.pk, borrower=first_reader, due_back=DUE)
            first_has_lock.set()
            time.sleep(hold_for)  # the first desk's request is still running

    def second():
        first_has_lock.wait(timeout=10)
        began = time.monotonic()
        try:
            services.lend_copy(copy=copy.pk, borrower=second_reader, due_back=DUE)
        finally:
            waited.append(time.monotonic() - began)

    waited = []
    join_first = in_thread(first)
    join_second = in_thread(second)
    assert "error" not in join_first()
    outcome = join_second()
    assert isinstance(outcome.get("error"), CirculationError)
    assert outcome["error"].message == services.COPY_ON_LOAN
    assert waited[0] >= hold_for / 2
    loan = Loan.objects.get(copy=copy)
    assert loan.borrower == first_reader


def at_once(*actions):
    """Start the actions together in threads; their outcomes, in order."""
    start = threading.Barrier(len(actions))

    def starting(action):
        def run():
            start.wait()
            return action()

        return run

    joins = [in_thread(starting(action)) for action in actions]
    return [join() for join in joins]


def assert_no_database_error(outcomes):
    """Each action either succeeded or was refused by a rule: never a deadlock or a 500."""
    for outcome in outcomes:
        assert "error" not in outcome or isinstance(outcome["error"], CirculationError), outcome


@pytest.mark.parametrize("attempt", range(3))
def test_a_hold_placed_while_the_desk_lends_the_last_copy_to_that_patron(attempt):
    copy = BookInstanceFactory()
    patron = MemberFactory()
    outcomes = at_once(
        lambda: services.place_hold(book=copy.book_id, patron=patron),
        lambda: services.lend_copy(copy=copy.pk, borrower=patron, due_back=DUE),
    )
    assert_no_database_error(outcomes)
    copy.refresh_from_db()
    assert copy.status in (BookInstance.LoanStatus.ON_LOAN, BookInstance.LoanStatus.RESERVED)


@pytest.mark.parametrize("attempt", range(3))
def test_expiry_cancel_and_lend_of_one_set_aside_copy_at_once(attempt):
    copy = BookInstanceFactory()
    patron, next_patron = MemberFactory(), MemberFactory()
    hold = services.place_hold(book=copy.book_id, patron=patron)
    Hold.objects.filter(pk=hold.pk).update(ready_on=DUE - datetime.timedelta(weeks=8))
    Hold.objects.create(book_id=copy.book_id, patron=next_patron)
    outcomes = at_once(
        lambda: services.expire_holds(),
        lambda: services.cancel_hold(hold=hold.pk, by=patron),
        lambda: services.lend_copy(copy=copy.pk, borrower=patron, due_back=DUE),
    )
    assert_no_database_error(outcomes)
    hold.refresh_from_db()
    assert not hold.is_active
    copy.refresh_from_db()
    # The copy went to the patron, or on to the next in line: never left set aside for nobody.
    holder = copy.borrower_id
    assert (copy.status, holder) in {
        (BookInstance.LoanStatus.ON_LOAN, patron.pk),
        (BookInstance.LoanStatus.RESERVED, next_patron.pk),
    }

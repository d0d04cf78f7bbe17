"""Circulation's writes with rules: lend, return, renew, holds and the daily jobs.

Each function is one transaction that locks the rows it checks (`select_for_update` on
PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers) and re-checks their
state, so two desks acting on one copy at once cannot both succeed. Locks are taken in one
order, copies before holds, so two transactions never wait for each other in a circle; they
are FOR NO KEY UPDATE locks, which do not block other rows' foreign keys to the locked row.
A refused action raises `CirculationError` with one of the messages below and changes
nothing. E-mails go out right after the commit (`committed`) and a failing mail server
never undoes the change.
"""

import contextlib
import contextvars
import datetime
from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import mail
from .models import (
    LOAN_PERIOD,
    MAX_ACTIVE_HOLDS,
    MAX_LOAN_AHEAD,
    MAX_PATRON_RENEWALS,
    REMINDER_DAYS_AHEAD,
    Book,
    BookInstance,
    Hold,
    Loan,
    ReminderSent,
)

Status = BookInstance.LoanStatus
# How long the reminders' memory is kept (only today's rows are needed; a week helps people).
REMINDERS_KEPT = datetime.timedelta(days=7)

# Messages shown to librarians and patrons (views show them; tests import them).
COPY_NOT_AVAILABLE = "This copy cannot be lent: it is not available."
COPY_ON_LOAN = "This copy is already on loan."
COPY_RESERVED_FOR_OTHER = "This copy is set aside for another patron's hold."
COPY_NOT_ON_LOAN = "This copy is not on loan."
BORROWER_INACTIVE = "This user's account is inactive: they cannot borrow."
DUE_DATE_IN_PAST = "Invalid date - renewal in past"
DUE_DATE_TOO_FAR = "Invalid date - renewal more than 4 weeks ahead"
NOT_YOUR_LOAN = "You can only renew a copy you have on loan."
RENEWAL_LIMIT_REACHED = (
    f"This loan has already been renewed {MAX_PATRON_RENEWALS} times: "
    "please bring the book back or ask at the desk."
)
HOLD_WAITING = "Someone is waiting for this book, so the loan cannot be renewed."
HOLD_ALREADY_PLACED = "You already have a hold on this book."
HOLD_ON_OWN_LOAN = "You have a copy of this book on loan already."
HOLD_LIMIT_REACHED = f"You already have {MAX_ACTIVE_HOLDS} active holds, the most allowed."
HOLD_PATRON_INACTIVE = "This account is inactive: it cannot place holds."
HOLD_NOT_ACTIVE = "This hold has already ended."
HOLD_BUSY = "This hold is changing right now: please try again."


class CirculationError(ValidationError):
    """A circulation rule refused the action; `message` says which, for the user."""

    def __str__(self):
        return self.message


# The e-mails of the transaction under way, sent once it has committed (see `committed`).
_pending_mail = contextvars.ContextVar("pending_mail", default=None)


def _send_when_committed(send):
    """Send now if nothing is left to commit; else when the enclosing transaction commits.

    A test case's own transaction never commits, so under it the service's transaction
    counts as committed (Django marks those blocks `_from_testcase`): a test sees the mail
    the request would send, with or without `captureOnCommitCallbacks`.
    """
    connection = transaction.get_connection()
    if all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        send()
    else:
        transaction.on_commit(send)


@contextlib.contextmanager
def committed():
    """One transaction; the e-mails queued in it go out once it has committed, never before."""
    if _pending_mail.get() is not None:
        # Inside another service's transaction: its commit sends ours too.
        with transaction.atomic():
            yield
        return
    pending = []
    token = _pending_mail.set(pending)
    try:
        with transaction.atomic():
            yield
    finally:
        _pending_mail.reset(token)
    for send in pending:
        _send_when_committed(send)


def _after_commit(send):
    """Queue an e-mail for after the commit of the transaction under way."""
    pending = _pending_mail.get()
    if pending is None:
        transaction.on_commit(send)
    else:
        pending.append(send)


def _today():
    return timezone.localdate()


def _pk(obj):
    return obj.pk if hasattr(obj, "pk") else obj


def _locking(queryset):
    return queryset.select_for_update(no_key=True, of=("self",))


def _lock_copy(copy):
    """The copy's current row, locked until the transaction ends."""
    return _locking(BookInstance.objects).get(pk=_pk(copy))


def _lock_hold_with_its_copy(hold_id):
    """The hold and the copy set aside for it (or None), locked copy first.

    Returns (None, None) when the hold no longer exists.
    """
    for _ in range(3):
        copy_id = Hold.objects.filter(pk=hold_id).values_list("copy_id", flat=True).first()
        copy = _lock_copy(copy_id) if copy_id is not None else None
        hold = _locking(Hold.objects).filter(pk=hold_id).first()
        if hold is None or hold.copy_id == copy_id:
            return hold, copy
        # Another transaction set a copy aside for it meanwhile: look again.
    raise CirculationError(HOLD_BUSY)


def _check_due_date(due_back, today):
    if due_back < today:
        raise CirculationError(DUE_DATE_IN_PAST)
    if due_back > today + MAX_LOAN_AHEAD:
        raise CirculationError(DUE_DATE_TOO_FAR)


def _open_loan(copy, *, repair=False):
    """The copy's open loan, locked; with `repair`, a copy on loan without one gets it.

    The repair is what the migration that added loans did: lent today, due when the copy is.
    """
    loan = _locking(Loan.objects.open()).filter(copy=copy).first()
    if loan is None and repair and copy.status == Status.ON_LOAN:
        loan = Loan.objects.create(
            copy=copy,
            borrower_id=copy.borrower_id,
            lent_on=_today(),
            due_back=copy.due_back or _today(),
        )
    return loan


def _notify_ready(hold, copy):
    """E-mail the patron, once the transaction has committed, that their copy waits."""
    patron = hold.patron
    title = Book.objects.values_list("title", flat=True).get(pk=copy.book_id)
    _after_commit(
        partial(
            mail.send_hold_ready,
            to=patron.email,
            username=patron.get_username(),
            title=title,
            ready_until=hold.ready_until,
        )
    )


def _pass_on(copy, today):
    """Set the (locked) copy aside for the book's next waiting hold, else make it available.

    Returns the hold that became ready, or None.
    """
    hold = _locking(Hold.objects.queue()).filter(book_id=copy.book_id).select_related("patron")
    hold = hold.first()
    if hold is None:
        copy.status, copy.borrower, copy.due_back = Status.AVAILABLE, None, None
        copy.save(update_fields=["status", "borrower", "due_back"])
        return None
    copy.status, copy.borrower_id, copy.due_back = Status.RESERVED, hold.patron_id, None
    copy.save(update_fields=["status", "borrower", "due_back"])
    hold.copy, hold.ready_on = copy, today
    hold.save(update_fields=["copy", "ready_on"])
    _notify_ready(hold, copy)
    return hold


def _end_hold(hold, reason, today):
    hold.ended_on, hold.end_reason = today, reason
    hold.save(update_fields=["ended_on", "end_reason"])


@committed()
def lend_copy(*, copy, borrower, due_back):
    """Lend an available copy (or one set aside for this borrower); fulfils their hold."""
    today = _today()
    copy = _lock_copy(copy)
    if not borrower.is_active:
        raise CirculationError(BORROWER_INACTIVE)
    if copy.status == Status.ON_LOAN:
        raise CirculationError(COPY_ON_LOAN)
    if copy.status == Status.RESERVED and copy.borrower_id != borrower.pk:
        raise CirculationError(COPY_RESERVED_FOR_OTHER)
    if copy.status not in (Status.AVAILABLE, Status.RESERVED):
        raise CirculationError(COPY_NOT_AVAILABLE)
    _check_due_date(due_back, today)
    # A copy taken off loan by an edit (the copy form, the admin) may still have its loan
    # open: that loan ended, and must not block this one.
    Loan.objects.open().filter(copy=copy).update(returned_on=today)
    try:
        # A savepoint: the database's refusal of a second open loan leaves the rest usable.
        with transaction.atomic():
            loan = Loan.objects.create(
                copy=copy, borrower=borrower, lent_on=today, due_back=due_back
            )
    except IntegrityError:
        raise CirculationError(COPY_ON_LOAN) from None
    copy.status, copy.borrower, copy.due_back = Status.ON_LOAN, borrower, due_back
    copy.save(update_fields=["status", "borrower", "due_back"])
    # Lending the patron any copy of the book fulfils their hold on it.
    hold_id = (
        Hold.objects.active()
        .filter(book_id=copy.book_id, patron=borrower)
        .values_list("pk", flat=True)
        .first()
    )
    if hold_id is not None:
        hold, other = _lock_hold_with_its_copy(hold_id)
        if hold is not None and hold.is_active:
            _end_hold(hold, Hold.EndReason.FULFILLED, today)
            if other is not None and other.pk != copy.pk:
                # The copy that was set aside for them goes to the next in line.
                if other.status == Status.RESERVED and other.borrower_id == borrower.pk:
                    _pass_on(other, today)
    loan.copy = copy
    return loan


@committed()
def return_copy(*, copy):
    """Take a copy back: close its loan; set it aside for the next hold or make it available.

    Returns the closed loan, or None when the copy was on loan without a Loan row.
    """
    today = _today()
    copy = _lock_copy(copy)
    if copy.status != Status.ON_LOAN:
        raise CirculationError(COPY_NOT_ON_LOAN)
    loan = _open_loan(copy)
    if loan is not None:
        loan.returned_on = today
        loan.save(update_fields=["returned_on"])
    _pass_on(copy, today)
    if loan is not None:
        loan.copy = copy
    return loan


def _renew(loan, copy, due_back):
    """Move the due date of the open loan and its copy together, and count the renewal."""
    loan.due_back = due_back
    loan.renewals += 1
    loan.save(update_fields=["due_back", "renewals"])
    copy.due_back = due_back
    copy.save(update_fields=["due_back"])
    loan.copy = copy
    return loan


@committed()
def renew_loan(*, copy, due_back):
    """The librarian's renewal: move the due date of the copy and its loan, count it."""
    today = _today()
    copy = _lock_copy(copy)
    if copy.status != Status.ON_LOAN:
        raise CirculationError(COPY_NOT_ON_LOAN)
    _check_due_date(due_back, today)
    loan = _open_loan(copy, repair=True)
    return _renew(loan, copy, due_back)


@committed()
def renew_own_loan(*, copy, patron):
    """The patron's renewal: their own copy, fewer than 2 renewals so far, nobody waiting."""
    today = _today()
    copy = _lock_copy(copy)
    if copy.status != Status.ON_LOAN or copy.borrower_id != patron.pk:
        raise CirculationError(NOT_YOUR_LOAN)
    loan = _open_loan(copy, repair=True)
    if loan.renewals >= MAX_PATRON_RENEWALS:
        raise CirculationError(RENEWAL_LIMIT_REACHED)
    if Hold.objects.waiting().filter(book_id=copy.book_id).exists():
        raise CirculationError(HOLD_WAITING)
    due_back = max(today + LOAN_PERIOD, loan.due_back)
    return _renew(loan, copy, due_back)


@committed()
def place_hold(*, book, patron):
    """Queue the patron for the book; an available copy is set aside for them at once."""
    today = _today()
    # Lock the patron's row: their holds are counted and placed one at a time.
    patron = _locking(get_user_model().objects).get(pk=patron.pk)
    if not patron.is_active:
        raise CirculationError(HOLD_PATRON_INACTIVE)
    book_id = _pk(book)
    active = Hold.objects.active().filter(patron=patron)
    if active.filter(book_id=book_id).exists():
        raise CirculationError(HOLD_ALREADY_PLACED)
    # As most libraries' systems: no queueing for a book one is reading.
    lent_to_them = BookInstance.objects.filter(book_id=book_id, borrower=patron)
    if lent_to_them.filter(status=Status.ON_LOAN).exists():
        raise CirculationError(HOLD_ON_OWN_LOAN)
    if active.count() >= MAX_ACTIVE_HOLDS:
        raise CirculationError(HOLD_LIMIT_REACHED)
    try:
        with transaction.atomic():
            hold = Hold.objects.create(book_id=book_id, patron=patron)
    except IntegrityError:
        raise CirculationError(HOLD_ALREADY_PLACED) from None
    copy = (
        _locking(BookInstance.objects)
        .filter(book_id=book_id, status=Status.AVAILABLE)
        .order_by("id")
        .first()
    )
    if copy is not None:
        copy.status, copy.borrower, copy.due_back = Status.RESERVED, patron, None
        copy.save(update_fields=["status", "borrower", "due_back"])
        hold.copy, hold.ready_on = copy, today
        hold.save(update_fields=["copy", "ready_on"])
        _notify_ready(hold, copy)
    return hold


@committed()
def cancel_hold(*, hold, by):
    """End a hold for its patron or a librarian; a set-aside copy passes on.

    Anyone else gets `Hold.DoesNotExist`, so views answer 404 without saying it exists.
    """
    today = _today()
    hold, copy = _lock_hold_with_its_copy(_pk(hold))
    if hold is None:
        raise Hold.DoesNotExist("No hold with this id.")
    if hold.patron_id != by.pk and not by.has_perm("catalog.can_mark_returned"):
        raise Hold.DoesNotExist("No hold of yours with this id.")
    if hold.ended_on is not None:
        raise CirculationError(HOLD_NOT_ACTIVE)
    _end_hold(hold, Hold.EndReason.CANCELLED, today)
    if copy is not None and copy.status == Status.RESERVED:
        if copy.borrower_id == hold.patron_id:
            _pass_on(copy, today)


def free_copy_of_deleted_hold(hold):
    """A ready hold deleted outright (in the admin, or with its patron's account) frees its
    copy as a cancellation would: to the next patron waiting, or back on the shelf."""
    if hold.copy_id is None or hold.ended_on is not None:
        return
    with committed():
        copy = _locking(BookInstance.objects).filter(pk=hold.copy_id).first()
        # Still set aside for that patron (or for no one: deleting the account emptied it).
        if copy and copy.status == Status.RESERVED and copy.borrower_id in (hold.patron_id, None):
            _pass_on(copy, _today())


def expire_holds(*, today=None):
    """End ready holds not collected by `ready_until`; each copy passes on. Returns the count.

    One short transaction per hold, so a long list never holds the desk's copies locked.
    """
    today = today or _today()
    uncollected = Hold.objects.uncollected(today).order_by("ready_on", "id")
    expired = 0
    for hold_id in list(uncollected.values_list("pk", flat=True)):
        with committed():
            hold, copy = _lock_hold_with_its_copy(hold_id)
            # Re-checked under the locks: another run or a desk may have ended it meanwhile.
            if hold is None or not Hold.objects.uncollected(today).filter(pk=hold.pk).exists():
                continue
            _end_hold(hold, Hold.EndReason.EXPIRED, today)
            expired += 1
            if copy.status == Status.RESERVED and copy.borrower_id == hold.patron_id:
                _pass_on(copy, today)
    return expired


def send_overdue_reminders(*, today=None):
    """E-mail each borrower their copies overdue or due within 2 days, once a day at most.

    Who got today's reminder is claimed in the database (`ReminderSent`, unique per borrower
    and day) before sending, so a second run or a second server sends nothing more. A claim
    whose mail fails is released, so a later run that day can try again. A mail server
    that cannot be reached stops the run at once, with one WARNING: the next run sends the
    rest. Returns how many e-mails were sent.
    """
    today = today or _today()
    # Only today's rows matter: older ones are pruned, so the table stays small.
    ReminderSent.objects.filter(sent_on__lt=today - REMINDERS_KEPT).delete()
    by_borrower = {}
    for copy in copies_to_remind(today):
        by_borrower.setdefault(copy.borrower, []).append((copy.book.title, copy.due_back))
    sent = 0
    if not by_borrower:
        return sent
    try:
        with mail.batch_connection() as connection:
            for borrower, due in by_borrower.items():
                sent += _send_reminder(borrower, due, today, connection)
    except mail.MailServerUnreachable:
        # One line for the whole run, not a timeout and a line per borrower.
        mail.logger.warning(
            "Mail server unreachable: reminders stopped after %d sent; the next run sends the rest",
            sent,
            exc_info=True,
        )
    return sent


def _send_reminder(borrower, due, today, connection):
    """Claim today's reminder for `borrower`, then send it: 1 if sent, else 0 (and the claim
    is released, so a later run can try again)."""
    try:
        with transaction.atomic():
            claim = ReminderSent.objects.create(borrower=borrower, sent_on=today)
    except IntegrityError:
        return 0  # Another run reminded them today.
    delivered = False
    try:
        delivered = mail.send_reminder(
            to=borrower.email,
            username=borrower.get_username(),
            copies=due,
            today=today,
            connection=connection,
        )
    finally:
        if not delivered:
            claim.delete()
    return int(delivered)


def copies_to_remind(today):
    """The copies today's reminders list: one indexed query (status, due_back), at any size.

    On loan and due by the day after tomorrow, to borrowers with an e-mail address who had no
    reminder today (a deactivated account that still has books out too: they are wanted back).
    """
    reminded_today = ReminderSent.objects.filter(sent_on=today).values("borrower_id")
    return (
        BookInstance.objects.filter(
            status=Status.ON_LOAN,
            due_back__lte=today + datetime.timedelta(days=REMINDER_DAYS_AHEAD),
            borrower__isnull=False,
        )
        .exclude(borrower__email="")
        .exclude(borrower_id__in=reminded_today)
        .select_related("book", "borrower")
        .order_by("borrower_id", "due_back", "id")
    )

"""The library's daily jobs: send_overdue_reminders and expire_holds, as cron would run them."""

import logging
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import HOLD_READY_DAYS, BookInstance, Hold, ReminderSent

from . import factories, mail_backends
from .factories import in_days, today

pytestmark = pytest.mark.django_db

Status = BookInstance.LoanStatus


def run(command):
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def due_in(days, borrower, title=None):
    copy = factories.LoanedCopyFactory(borrower=borrower, due_back=in_days(days))
    if title:
        copy.book.title = title
        copy.book.save()
    return copy


# send_overdue_reminders


def test_borrower_gets_one_e_mail_with_overdue_and_soon_due_titles_and_dates():
    patron = factories.MemberFactory()
    due_in(-3, patron, "Overdue Book")
    due_in(0, patron, "Due Today")
    due_in(2, patron, "Due In Two Days")
    due_in(3, patron, "Due In Three Days")
    assert run("send_overdue_reminders") == "Sent 1 reminder e-mail.\n"
    [message] = mail.outbox
    assert message.to == [patron.email]
    assert "LocalLibrary" in message.body
    for title, days in [("Overdue Book", -3), ("Due Today", 0), ("Due In Two Days", 2)]:
        assert f"{title} (due {in_days(days).isoformat()})" in message.body
    assert "Due In Three Days" not in message.body
    assert message.body.index("Overdue Book") < message.body.index("Due Today")


def test_each_borrower_gets_their_own_e_mail_with_only_their_copies():
    first, second = factories.MemberFactory(), factories.MemberFactory()
    due_in(1, first, "First's Book")
    due_in(-1, second, "Second's Book")
    assert run("send_overdue_reminders") == "Sent 2 reminder e-mails.\n"
    body_for = {message.to[0]: message.body for message in mail.outbox}
    assert "Second's Book" not in body_for[first.email]
    assert "First's Book" not in body_for[second.email]


def test_nobody_is_reminded_of_copies_due_later_or_not_on_loan():
    patron = factories.MemberFactory()
    due_in(3, patron)
    factories.BookInstanceFactory(status=Status.RESERVED, borrower=patron, due_back=in_days(-1))
    assert run("send_overdue_reminders") == "Sent 0 reminder e-mails.\n"
    assert mail.outbox == []


def test_running_twice_on_one_day_sends_no_second_e_mail():
    due_in(-1, factories.MemberFactory())
    run("send_overdue_reminders")
    assert run("send_overdue_reminders") == "Sent 0 reminder e-mails.\n"
    assert len(mail.outbox) == 1


def test_the_next_day_brings_the_next_reminder():
    patron = factories.MemberFactory()
    due_in(-1, patron)
    assert services.send_overdue_reminders(today=today()) == 1
    assert services.send_overdue_reminders(today=in_days(1)) == 1
    assert ReminderSent.objects.filter(borrower=patron).count() == 2


def test_a_borrower_reminded_by_another_server_today_is_not_reminded_again():
    patron = factories.MemberFactory()
    due_in(-1, patron)
    ReminderSent.objects.create(borrower=patron, sent_on=today())
    assert services.send_overdue_reminders() == 0
    assert mail.outbox == []


def test_the_database_refuses_a_second_reminder_record_for_one_day():
    patron = factories.MemberFactory()
    ReminderSent.objects.create(borrower=patron, sent_on=today())
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(borrower=patron, sent_on=today())


def test_no_reminder_to_users_without_an_address():
    due_in(-1, factories.MemberFactory(email=""))
    assert run("send_overdue_reminders") == "Sent 0 reminder e-mails.\n"
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_a_deactivated_account_with_a_book_still_out_is_reminded():
    """Closing an account does not return its books: the library still wants them back."""
    closed = factories.MemberFactory(is_active=False)
    due_in(-1, closed, title="Kept After Leaving")
    assert run("send_overdue_reminders") == "Sent 1 reminder e-mail.\n"
    assert [message.to for message in mail.outbox] == [[closed.email]]
    assert "Kept After Leaving" in mail.outbox[0].body


def test_a_refusing_mail_server_is_logged_and_tried_again_by_a_later_run(settings, caplog):
    patron = factories.MemberFactory()
    due_in(-1, patron)
    settings.EMAIL_BACKEND = mail_backends.REFUSING
    with caplog.at_level(logging.WARNING):
        assert run("send_overdue_reminders") == "Sent 0 reminder e-mails.\n"
    assert any(r.name == "catalog.mail" and r.levelno == logging.WARNING for r in caplog.records)
    assert not ReminderSent.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run("send_overdue_reminders") == "Sent 1 reminder e-mail.\n"


def reminder_queries(copies_each, borrowers):
    for _ in range(borrowers):
        patron = factories.MemberFactory()
        for _ in range(copies_each):
            due_in(-1, patron)
    with CaptureQueriesContext(connection) as queries:
        services.send_overdue_reminders()
    ReminderSent.objects.all().delete()
    BookInstance.objects.all().update(status=Status.AVAILABLE)
    return len(queries)


def test_reminders_cost_the_same_queries_however_many_copies_a_borrower_has():
    assert reminder_queries(copies_each=1, borrowers=1) == reminder_queries(
        copies_each=6, borrowers=1
    )


def test_reminders_cost_a_fixed_number_of_queries_per_borrower():
    one, three = reminder_queries(1, 1), reminder_queries(1, 3)
    five = reminder_queries(1, 5)
    assert five - three == three - one


# expire_holds


def ready_hold(days_ago):
    copy = factories.BookInstanceFactory()
    hold = services.place_hold(book=copy.book, patron=factories.MemberFactory())
    Hold.objects.filter(pk=hold.pk).update(ready_on=in_days(-days_ago))
    return copy, hold


def test_expire_holds_prints_how_many_ended_and_passes_copies_on(
    django_capture_on_commit_callbacks,
):
    copy, expired = ready_hold(HOLD_READY_DAYS + 1)
    ready_hold(HOLD_READY_DAYS)  # still ready: its last day is today
    waiting = Hold.objects.create(book=copy.book, patron=factories.MemberFactory())
    mail.outbox.clear()  # the set-up's "ready" e-mails
    with django_capture_on_commit_callbacks(execute=True):
        assert run("expire_holds") == "Expired 1 hold.\n"
    expired.refresh_from_db()
    waiting.refresh_from_db()
    assert expired.end_reason == Hold.EndReason.EXPIRED
    assert (waiting.copy_id, waiting.ready_on) == (copy.pk, today())
    assert [message.to for message in mail.outbox] == [[waiting.patron.email]]


def test_expire_holds_twice_on_one_day_changes_nothing_the_second_time():
    copy, _ = ready_hold(HOLD_READY_DAYS + 2)
    ready_hold(HOLD_READY_DAYS + 5)
    assert run("expire_holds") == "Expired 2 holds.\n"
    assert run("expire_holds") == "Expired 0 holds.\n"
    copy.refresh_from_db()
    assert copy.status == Status.AVAILABLE


# Both jobs take the same time whatever the catalog's size: their queries go through indexes.
# SQLite's plans are stable on an empty table; PostgreSQL's depend on the table's size, so
# there sequential scans are priced out and a query without a usable index still shows one.
@pytest.mark.parametrize(
    "queryset, index",
    [
        (lambda: services.copies_to_remind(today()), "(status=? AND due_back<?)"),
        (lambda: Hold.objects.uncollected(today()), "hold_active_ready_on_idx"),
        (lambda: Hold.objects.queue().filter(book_id=1), "hold_waiting_queue_idx"),
    ],
    ids=["reminders", "expiry", "queue"],
)
def test_the_daily_jobs_queries_use_their_indexes(queryset, index):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
        try:
            plan = queryset().explain()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET enable_seqscan")
        assert "Index" in plan and "Seq Scan" not in plan, plan
        return
    plan = queryset().explain()
    assert "USING INDEX" in plan and index in plan
    steps = [line.split(" ", 3)[-1] for line in plan.splitlines()]
    assert not [step for step in steps if step.startswith("SCAN")], plan


def test_old_reminder_records_are_pruned_by_the_daily_job():
    patron = factories.MemberFactory()
    ReminderSent.objects.create(borrower=patron, sent_on=in_days(-30))
    ReminderSent.objects.create(borrower=patron, sent_on=in_days(-1))
    run("send_overdue_reminders")
    assert list(ReminderSent.objects.values_list("sent_on", flat=True)) == [in_days(-1)]

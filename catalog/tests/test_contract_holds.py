"""The contract's "Holds" and "The library's daily jobs" sections, from the outside."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from catalog.models import BookInstance, Hold, Loan

from . import factories
from .factories import today

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def active(holds):
    return holds.filter(ended_on__isnull=True) if hasattr(Hold, "ended_on") else holds


def place(client, user, book):
    client.force_login(user)
    return client.post(f"/catalog/book/{book.pk}/hold/", follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def return_copy(client, copy):
    client.force_login(factories.LibrarianFactory())
    return client.post(f"/catalog/bookinstance/{copy.pk}/return/")


def lend(client, copy, user):
    client.force_login(factories.LibrarianFactory())
    return client.post(
        f"/catalog/bookinstance/{copy.pk}/lend/",
        {"borrower": user.username, "due_back": (today() + DAY * 21).isoformat()},
    )


@pytest.fixture
def out_book():
    """A book whose only copy is on loan."""
    return factories.LoanedCopyFactory(book__title="Waited For").book


def test_anonymous_visitors_are_sent_to_log_in_to_place_a_hold(client, out_book):
    path = f"/catalog/book/{out_book.pk}/hold/"
    assert reverse("place-hold", args=[out_book.pk]) == path
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Hold.objects.exists()


def test_placing_a_hold_is_post_only(client, out_book):
    client.force_login(factories.MemberFactory())
    assert client.get(f"/catalog/book/{out_book.pk}/hold/").status_code == 405
    assert client.post("/catalog/book/999999/hold/").status_code == 404


def test_a_patron_joins_the_queue_when_no_copy_is_on_the_shelf(client, out_book):
    member = factories.MemberFactory()
    response = place(client, member, out_book)
    assert response.status_code == 200
    hold = Hold.objects.get()
    assert (hold.book, hold.patron, hold.copy, hold.ready_on) == (out_book, member, None, None)
    assert hold.placed_at is not None
    assert not mail.outbox


def test_a_hold_on_a_book_on_the_shelf_is_ready_at_once(client):
    copy = factories.BookInstanceFactory(book__title="On The Shelf")
    member = factories.MemberFactory()
    place(client, member, copy.book)
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == ("r", member)
    hold = Hold.objects.get()
    assert (hold.copy, hold.ready_on) == (copy, today())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    assert "On The Shelf" in mail.outbox[0].subject + mail.outbox[0].body


def test_one_active_hold_per_patron_per_book(client, out_book):
    member = factories.MemberFactory()
    place(client, member, out_book)
    response = place(client, member, out_book)
    assert messages_of(response)
    assert Hold.objects.count() == 1


def test_at_most_five_active_holds_per_patron(client):
    member = factories.MemberFactory()
    books = [factories.LoanedCopyFactory().book for _ in range(6)]
    for book in books[:5]:
        place(client, member, book)
    response = place(client, member, books[5])
    assert messages_of(response)
    assert active(Hold.objects.filter(patron=member)).count() == 5


def test_a_returned_copy_goes_to_the_first_patron_in_the_queue(client):
    copy = factories.LoanedCopyFactory(book__title="Queue Book")
    first, second = factories.MemberFactory(), factories.MemberFactory()
    place(client, first, copy.book)
    place(client, second, copy.book)
    mail.outbox.clear()
    return_copy(client, copy)
    copy.refresh_from_db()
    assert (copy.status, copy.borrower, copy.due_back) == ("r", first, None)
    hold = Hold.objects.get(patron=first)
    assert (hold.copy, hold.ready_on) == (copy, today())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [first.email]
    assert "Queue Book" in message.subject + message.body
    assert "within 7 days" in message.body
    assert (today() + DAY * 7).isoformat() in message.body
    assert Hold.objects.get(patron=second).copy is None


def test_lending_the_set_aside_copy_to_its_patron_fulfils_the_hold(client):
    copy = factories.LoanedCopyFactory()
    member = factories.MemberFactory()
    place(client, member, copy.book)
    return_copy(client, copy)
    response = lend(client, copy, member)
    assert response.status_code == 302
    assert not active(Hold.objects.filter(patron=member)).exists()
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == ("o", member)


def test_a_set_aside_copy_is_not_lent_to_someone_else(client):
    copy = factories.BookInstanceFactory()
    member = factories.MemberFactory()
    place(client, member, copy.book)
    response = lend(client, copy, factories.MemberFactory())
    assert response.status_code == 200
    assert response.context["form"].errors
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == ("r", member)


def test_lending_the_patron_any_copy_of_the_book_fulfils_the_hold(client, out_book):
    member = factories.MemberFactory()
    place(client, member, out_book)
    other_copy = factories.BookInstanceFactory(book=out_book)
    assert lend(client, other_copy, member).status_code == 302
    assert not active(Hold.objects.filter(patron=member)).exists()


def test_deleting_a_set_aside_copy_empties_the_holds_copy(client):
    copy = factories.BookInstanceFactory()
    place(client, factories.MemberFactory(), copy.book)
    copy.delete()
    assert Hold.objects.get().copy is None


def test_my_holds_shows_the_place_in_the_queue_or_ready_until(client):
    waiting_book = factories.LoanedCopyFactory(book__title="Still Out").book
    shelf_copy = factories.BookInstanceFactory(book__title="On Shelf")
    member = factories.MemberFactory()
    place(client, factories.MemberFactory(), waiting_book)
    place(client, member, waiting_book)
    place(client, member, shelf_copy.book)
    client.force_login(member)
    assert reverse("my-holds") == "/catalog/myholds/"
    response = client.get("/catalog/myholds/")
    assert response.status_code == 200
    assert "catalog/hold_list_user.html" in [t.name for t in response.templates]
    content = response.content.decode()
    row = content[content.index("Still Out") :]
    assert re.search(r"\b2\b", row[: row.index("</tr>")])
    row = content[content.index("On Shelf") :]
    row = row[: row.index("</tr>")]
    assert "ready until" in row
    until = today() + DAY * 7
    assert until.isoformat() in row or until.strftime("%b") in row
    assert content.count("/cancel/") == 2


def test_my_holds_needs_a_login(client):
    response = client.get("/catalog/myholds/")
    assert response["Location"] == "/accounts/login/?next=/catalog/myholds/"


def test_a_patron_cancels_their_hold_and_others_get_404(client, out_book):
    member = factories.MemberFactory()
    place(client, member, out_book)
    hold = Hold.objects.get()
    path = f"/catalog/hold/{hold.pk}/cancel/"
    assert reverse("cancel-hold", args=[hold.pk]) == path
    client.force_login(factories.MemberFactory())
    assert client.post(path).status_code == 404
    client.force_login(member)
    assert client.get(path).status_code == 405
    assert client.post(path).status_code == 302
    assert not active(Hold.objects.all()).exists()
    assert client.post("/catalog/hold/999999/cancel/").status_code == 404


def test_a_librarian_cancels_anyones_hold(client, out_book):
    place(client, factories.MemberFactory(), out_book)
    client.force_login(factories.LibrarianFactory())
    assert client.post(f"/catalog/hold/{Hold.objects.get().pk}/cancel/").status_code == 302
    assert not active(Hold.objects.all()).exists()


def test_cancelling_a_ready_hold_passes_the_copy_on_or_shelves_it(client):
    copy = factories.BookInstanceFactory()
    first, second = factories.MemberFactory(), factories.MemberFactory()
    place(client, first, copy.book)
    place(client, second, copy.book)
    client.force_login(first)
    client.post(f"/catalog/hold/{Hold.objects.get(patron=first).pk}/cancel/")
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == ("r", second)
    client.force_login(second)
    client.post(f"/catalog/hold/{Hold.objects.get(patron=second).pk}/cancel/")
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == ("a", None)


def test_all_holds_lists_ready_ones_first_for_librarians(client):
    out = factories.LoanedCopyFactory(book__title="Queue Title").book
    shelf = factories.BookInstanceFactory(book__title="Ready Title")
    place(client, factories.MemberFactory(username="waiter"), out)
    place(client, factories.MemberFactory(username="collector"), shelf.book)
    client.force_login(factories.LibrarianFactory())
    assert reverse("all-holds") == "/catalog/holds/"
    response = client.get("/catalog/holds/")
    assert "catalog/hold_list_all.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert content.index("collector") < content.index("waiter")
    assert content.index("Ready Title") < content.index("Queue Title")


def test_all_holds_is_for_librarians(client):
    assert client.get("/catalog/holds/")["Location"] == "/accounts/login/?next=/catalog/holds/"
    client.force_login(factories.MemberFactory())
    assert client.get("/catalog/holds/").status_code == 403


def test_the_books_page_shows_copies_available_and_holds_waiting(client):
    book = factories.BookFactory()
    factories.BookInstanceFactory.create_batch(2, book=book)
    factories.LoanedCopyFactory(book=book)
    response = client.get(book.get_absolute_url())
    content = re.sub(r"\s+", " ", response.content.decode())
    assert re.search(r"\b2\b[^.<]*available", content)
    assert re.search(r"\b0\b[^.<]*holds? waiting", content)


def test_a_failing_mail_server_does_not_undo_the_hold(client, settings, caplog):
    settings.EMAIL_BACKEND = "catalog.tests.mail_backends.RefusingEmailBackend"
    copy = factories.BookInstanceFactory()
    response = place(client, factories.MemberFactory(), copy.book)
    assert response.status_code == 200
    copy.refresh_from_db()
    assert copy.status == "r"
    assert any(r.levelname in ("WARNING", "ERROR", "CRITICAL") for r in caplog.records)


# The library's daily jobs


def overdue_copy(borrower, days):
    return factories.LoanedCopyFactory(borrower=borrower, due_back=today() + DAY * days)


def test_reminders_list_each_borrowers_copies_due_soon_or_overdue_once_a_day():
    reader = factories.MemberFactory()
    overdue = overdue_copy(reader, -3)
    due_soon = overdue_copy(reader, 2)
    later = overdue_copy(reader, 3)
    other = factories.MemberFactory()
    overdue_copy(other, 0)
    no_email = factories.MemberFactory(email="")
    overdue_copy(no_email, -1)
    out = io.StringIO()
    call_command("send_overdue_reminders", stdout=out)
    assert "2" in out.getvalue()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reader.email, other.email])
    reader_mail = next(m for m in mail.outbox if m.to == [reader.email])
    assert due_soon.book.title in reader_mail.body
    assert overdue.book.title in reader_mail.body
    assert due_soon.due_back.isoformat() in reader_mail.body
    assert later.book.title not in reader_mail.body
    out = io.StringIO()
    call_command("send_overdue_reminders", stdout=out)
    assert len(mail.outbox) == 2
    assert "0" in out.getvalue()


def test_expire_holds_passes_an_uncollected_copy_on_after_seven_days(client):
    copy = factories.BookInstanceFactory()
    first, second = factories.MemberFactory(), factories.MemberFactory()
    place(client, first, copy.book)
    place(client, second, copy.book)
    hold = Hold.objects.get(patron=first)
    # Ready until ready_on + 7 days: still ready on that day.
    Hold.objects.filter(pk=hold.pk).update(ready_on=today() - DAY * 7)
    call_command("expire_holds", stdout=io.StringIO())
    copy.refresh_from_db()
    assert copy.borrower == first
    mail.outbox.clear()
    Hold.objects.filter(pk=hold.pk).update(ready_on=today() - DAY * 8)
    call_command("expire_holds", stdout=io.StringIO())
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == ("r", second)
    assert not active(Hold.objects.filter(patron=first)).exists()
    assert [m.to for m in mail.outbox] == [[second.email]]
    # Twice on one day: nothing more changes.
    call_command("expire_holds", stdout=io.StringIO())
    copy.refresh_from_db()
    assert copy.borrower == second
    assert len(mail.outbox) == 1


def test_expire_holds_shelves_a_copy_nobody_else_waits_for(client):
    copy = factories.BookInstanceFactory()
    place(client, factories.MemberFactory(), copy.book)
    Hold.objects.update(ready_on=today() - DAY * 8)
    call_command("expire_holds", stdout=io.StringIO())
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == ("a", None)
    assert not Loan.objects.exists()
    assert BookInstance.objects.filter(status="a").count() == 1


def test_my_holds_is_a_paginated_list_like_every_other(client):
    """Every list view is paginated by the visitor's page size (at most 5 holds fit one page)."""
    client.force_login(factories.MemberFactory())
    response = client.get("/catalog/myholds/")
    assert response.context["page_obj"] is not None
    assert response.context["page_obj"].paginator.per_page == 10
    assert response.context["is_paginated"] is False

"""Holds on the site (issue 15): placing one, my holds, cancelling, the librarians' list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import HOLD_READY_DAYS, MAX_ACTIVE_HOLDS, BookInstance, Hold

from . import factories

pytestmark = pytest.mark.django_db

Status = BookInstance.LoanStatus


@pytest.fixture
def patron(member_client, member):
    """The patron placing holds here: conftest's member, logged in."""
    return member


@pytest.fixture
def book_all_out():
    """A book whose only copy is on loan: a hold on it waits in the queue."""
    book = factories.BookFactory(title="Dune")
    factories.LoanedCopyFactory(book=book)
    return book


def place(client, book, **kwargs):
    return client.post(reverse("place-hold", args=[book.pk]), **kwargs)


def content(response):
    return response.content.decode()


# Placing a hold


def test_book_page_shows_copies_available_holds_waiting_and_the_button(client, patron):
    book = factories.BookFactory()
    factories.BookInstanceFactory(book=book)
    factories.LoanedCopyFactory(book=book)
    Hold.objects.create(book=book, patron=factories.MemberFactory())
    page = content(client.get(book.get_absolute_url()))
    assert "1 of 2 copies available; 1 hold waiting." in page
    assert reverse("place-hold", args=[book.pk]) in page
    assert "Place a hold" in page


def test_anonymous_visitor_is_asked_to_log_in_to_place_a_hold(client, book_all_out):
    page = content(client.get(book_all_out.get_absolute_url()))
    assert "to place a hold" in page
    response = place(client, book_all_out)
    assert response.status_code == 302
    path = reverse("place-hold", args=[book_all_out.pk])
    assert response.url == f"/accounts/login/?next={path}"
    assert not Hold.objects.exists()


def test_patron_sent_back_by_the_login_finds_the_way_to_the_hold_button(
    client, patron, book_all_out
):
    """The login returns to the POST-only address: the page there leads back to the book."""
    response = client.get(reverse("place-hold", args=[book_all_out.pk]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert f'href="{book_all_out.get_absolute_url()}"' in response.content.decode()
    assert not Hold.objects.exists()


def test_place_hold_answers_405_to_get(client, patron, book_all_out):
    assert client.get(reverse("place-hold", args=[book_all_out.pk])).status_code == 405


def test_patron_joins_the_queue_when_every_copy_is_out(client, patron, book_all_out):
    factories.MemberFactory(username="first")
    services.place_hold(book=book_all_out, patron=factories.MemberFactory(username="before"))
    response = place(client, book_all_out, follow=True)
    assert response.redirect_chain[-1][0] == reverse("my-holds")
    page = content(response)
    assert "You are in the queue for Dune." in page
    assert "number 2 in the queue" in page
    hold = Hold.objects.get(patron=patron)
    assert hold.copy is None


def test_a_hold_on_a_book_on_the_shelf_is_ready_at_once(client, patron):
    copy = factories.BookInstanceFactory(book__title="Dune")
    response = place(client, copy.book, follow=True)
    ready_until = timezone.localdate() + datetime.timedelta(days=HOLD_READY_DAYS)
    page = content(response)
    assert f"collect it at the desk by {ready_until:%Y-%m-%d}" in page
    assert "ready until" in page
    assert f'datetime="{ready_until:%Y-%m-%d}"' in page
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == (Status.RESERVED, patron)


def test_a_second_hold_on_the_same_book_is_refused_with_a_message(client, patron, book_all_out):
    place(client, book_all_out)
    response = place(client, book_all_out, follow=True)
    assert response.redirect_chain[-1][0] == book_all_out.get_absolute_url()
    assert services.HOLD_ALREADY_PLACED in content(response)
    assert Hold.objects.filter(patron=patron).count() == 1
    assert "You have a hold on this book" in content(response)


def test_more_than_five_active_holds_are_refused(client, patron):
    for _ in range(MAX_ACTIVE_HOLDS):
        services.place_hold(book=factories.BookFactory(), patron=patron)
    response = place(client, factories.BookFactory(), follow=True)
    assert services.HOLD_LIMIT_REACHED in content(response)
    assert Hold.objects.active().filter(patron=patron).count() == MAX_ACTIVE_HOLDS


def test_a_hold_on_a_book_that_does_not_exist_is_404(client, patron):
    assert client.post(reverse("place-hold", args=[999999])).status_code == 404
    assert client.post("/catalog/book/99999999999999999999999/hold/").status_code == 404
    assert not Hold.objects.exists()


# My holds


def test_my_holds_shows_only_my_active_holds_with_their_state(client, patron, book_all_out):
    ready_copy = factories.BookInstanceFactory(book__title="Ready Book")
    services.place_hold(book=ready_copy.book, patron=patron)
    services.place_hold(book=book_all_out, patron=patron)
    cancelled = services.place_hold(book=factories.BookFactory(title="Gone Book"), patron=patron)
    services.cancel_hold(hold=cancelled, by=patron)
    services.place_hold(
        book=factories.BookFactory(title="Their Book"), patron=factories.MemberFactory()
    )
    response = client.get(reverse("my-holds"))
    page = content(response)
    assert "Ready Book" in page
    assert "Dune" in page
    assert "Gone Book" not in page
    assert "Their Book" not in page
    assert "ready until" in page
    assert "number 1 in the queue" in page
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_each_patron_sees_their_number_in_the_queue_in_the_order_they_asked(client, book_all_out):
    """Holds placed at the same instant keep their order of arrival (their ids)."""
    patrons = [factories.MemberFactory() for _ in range(3)]
    holds = [services.place_hold(book=book_all_out, patron=patron) for patron in patrons]
    Hold.objects.filter(pk__in=[holds[1].pk, holds[2].pk]).update(placed_at=holds[1].placed_at)
    services.cancel_hold(hold=holds[0], by=patrons[0])
    for number, patron in enumerate(patrons[1:], start=1):
        client.force_login(patron)
        assert f"number {number} in the queue" in content(client.get(reverse("my-holds")))
    client.force_login(factories.LibrarianFactory())
    shown = {
        hold.pk: hold.queue_place for hold in client.get(reverse("all-holds")).context["hold_list"]
    }
    assert shown == {holds[1].pk: 1, holds[2].pk: 2}


def test_my_holds_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("my-holds"))
    assert response.url == f"/accounts/login/?next={reverse('my-holds')}"


# Cancelling


def test_cancelling_a_ready_hold_says_where_its_copy_goes(client, patron):
    copy = factories.BookInstanceFactory(book__title="Dune", status="a")
    hold = services.place_hold(book=copy.book, patron=patron)
    waiting = services.place_hold(book=copy.book, patron=factories.MemberFactory())
    response = client.post(reverse("cancel-hold", args=[hold.pk]), follow=True)
    assert "Its copy is set aside for the next patron in the queue." in content(response)
    client.force_login(waiting.patron)
    response = client.post(reverse("cancel-hold", args=[waiting.pk]), follow=True)
    assert "The hold on Dune is cancelled. Its copy is back on the shelf." in content(response)


def test_patron_cancels_their_own_hold(client, patron, book_all_out):
    hold = services.place_hold(book=book_all_out, patron=patron)
    response = client.post(reverse("cancel-hold", args=[hold.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("my-holds")
    assert "The hold on Dune is cancelled." in content(response)
    hold.refresh_from_db()
    assert hold.end_reason == Hold.EndReason.CANCELLED


def test_cancelling_a_ready_hold_passes_the_copy_to_the_next_patron(client, patron):
    copy = factories.BookInstanceFactory()
    hold = services.place_hold(book=copy.book, patron=patron)
    nxt = factories.MemberFactory()
    services.place_hold(book=copy.book, patron=nxt)
    client.post(reverse("cancel-hold", args=[hold.pk]))
    copy.refresh_from_db()
    assert (copy.status, copy.borrower) == (Status.RESERVED, nxt)


def test_another_patrons_hold_is_404_and_stays(client, patron, book_all_out):
    hold = services.place_hold(book=book_all_out, patron=factories.MemberFactory())
    assert client.post(reverse("cancel-hold", args=[hold.pk])).status_code == 404
    hold.refresh_from_db()
    assert hold.ended_on is None


@pytest.mark.parametrize(
    "path", ["/catalog/hold/999999/cancel/", "/catalog/hold/" + "9" * 30 + "/cancel/"]
)
def test_cancelling_an_unknown_hold_is_404(client, patron, path):
    assert client.post(path).status_code == 404


def test_cancel_answers_405_to_get(client, patron, book_all_out):
    hold = services.place_hold(book=book_all_out, patron=patron)
    assert client.get(reverse("cancel-hold", args=[hold.pk])).status_code == 405


def test_cancelling_twice_says_it_had_ended(client, patron, book_all_out):
    hold = services.place_hold(book=book_all_out, patron=patron)
    client.post(reverse("cancel-hold", args=[hold.pk]))
    response = client.post(reverse("cancel-hold", args=[hold.pk]), follow=True)
    assert "had already ended" in content(response)


def test_anonymous_cancel_asks_to_log_in(client, book_all_out):
    hold = services.place_hold(book=book_all_out, patron=factories.MemberFactory())
    path = reverse("cancel-hold", args=[hold.pk])
    response = client.post(path)
    assert response.url == f"/accounts/login/?next={path}"
    hold.refresh_from_db()
    assert hold.ended_on is None


def test_librarian_cancels_anyones_hold_and_returns_to_the_list(client, book_all_out):
    hold = services.place_hold(book=book_all_out, patron=factories.MemberFactory())
    client.force_login(factories.LibrarianFactory())
    response = client.post(reverse("cancel-hold", args=[hold.pk]), {"next": reverse("all-holds")})
    assert response.url == reverse("all-holds")
    hold.refresh_from_db()
    assert hold.end_reason == Hold.EndReason.CANCELLED


# All holds


def test_all_holds_is_for_librarians_only(client, patron):
    assert client.get(reverse("all-holds")).status_code == 403
    client.logout()
    response = client.get(reverse("all-holds"))
    assert response.url == f"/accounts/login/?next={reverse('all-holds')}"


def test_all_holds_lists_ready_holds_first(client, book_all_out):
    waiting = services.place_hold(
        book=book_all_out, patron=factories.MemberFactory(username="waiter")
    )
    copy = factories.BookInstanceFactory(book__title="Ready Book")
    ready = services.place_hold(
        book=copy.book, patron=factories.MemberFactory(username="collector")
    )
    client.force_login(factories.LibrarianFactory())
    response = client.get(reverse("all-holds"))
    assert list(response.context["hold_list"]) == [ready, waiting]
    page = content(response)
    assert page.index("collector") < page.index("waiter")
    assert reverse("patron-detail", args=[ready.patron.pk]) in page
    copy_link = f'<a href="{reverse("bookinstance-detail", args=[copy.pk])}" class="copy-id">'
    assert f"{copy_link}{copy.pk}</a>" in page
    assert f'ready until <time datetime="{ready.ready_until:%Y-%m-%d}">' in page


def test_holds_pages_cost_the_same_queries_however_many_holds(client):
    librarian = factories.LibrarianFactory()
    patron = factories.MemberFactory()

    def add_holds(n):
        for _ in range(n):
            book = factories.BookFactory()
            factories.LoanedCopyFactory(book=book)
            services.place_hold(book=book, patron=factories.MemberFactory())
            services.place_hold(
                book=factories.BookInstanceFactory().book, patron=factories.MemberFactory()
            )

    def queries(user, url):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    book = factories.BookFactory()
    factories.LoanedCopyFactory(book=book)
    services.place_hold(book=book, patron=patron)
    add_holds(1)
    before = (queries(librarian, reverse("all-holds")), queries(patron, reverse("my-holds")))
    add_holds(6)
    for _ in range(3):
        services.place_hold(book=factories.BookFactory(), patron=patron)
    after = (queries(librarian, reverse("all-holds")), queries(patron, reverse("my-holds")))
    assert after == before

"""Patrons' and librarians' pages (tutorial parts 8 and 9): borrowed lists, renewals, access."""

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import BookInstance

from .factories import (
    BookInstanceFactory,
    GenreFactory,
    LibrarianFactory,
    LoanedCopyFactory,
    MemberFactory,
    UserFactory,
)
from .pages import days_from_today

pytestmark = pytest.mark.django_db


def user_with_permission(permission):
    """A user holding exactly one permission (`app_label.codename`), in no group."""
    user = UserFactory()
    if permission:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def loaned_copy():
    return LoanedCopyFactory(book__genre=[GenreFactory()])


# URL name, the object its URL needs (None: no pk), the permission it needs (None: a login).
PROTECTED_PAGES = [
    ("my-borrowed", None, None),
    ("all-borrowed", None, "catalog.can_mark_returned"),
    ("renew-book-librarian", "bookinstance", "catalog.can_mark_returned"),
    *(
        page
        for model in ("author", "book", "genre", "language", "bookinstance")
        for page in (
            (f"{model}-create", None, f"catalog.add_{model}"),
            (f"{model}-update", model, f"catalog.change_{model}"),
            (f"{model}-delete", model, f"catalog.delete_{model}"),
        )
    ),
]


def objects_of(copy):
    book = copy.book
    return {
        "bookinstance": copy,
        "book": book,
        "author": book.author,
        "genre": book.genre.first(),
        "language": book.language,
    }


def url_of(name, needs, copy):
    if needs is None:
        return reverse(name)
    return reverse(name, args=[objects_of(copy)[needs].pk])


@pytest.mark.parametrize(("name", "needs", "permission"), PROTECTED_PAGES)
def test_anonymous_visitor_is_sent_to_login_and_back(client, loaned_copy, name, needs, permission):
    url = url_of(name, needs, loaned_copy)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


@pytest.mark.parametrize(("name", "needs", "permission"), PROTECTED_PAGES)
def test_member_without_the_permission_gets_403(
    member_client, loaned_copy, name, needs, permission
):
    response = member_client.get(url_of(name, needs, loaned_copy))
    assert response.status_code == (200 if permission is None else 403)
    if permission:
        assert "Permission denied" in response.content.decode()


@pytest.mark.parametrize(("name", "needs", "permission"), PROTECTED_PAGES)
def test_permission_holder_gets_the_page(client, loaned_copy, name, needs, permission):
    client.force_login(user_with_permission(permission))
    response = client.get(url_of(name, needs, loaned_copy))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "needs", "permission"), PROTECTED_PAGES)
def test_librarian_gets_every_page(librarian_client, loaned_copy, name, needs, permission):
    assert librarian_client.get(url_of(name, needs, loaned_copy)).status_code == 200


@pytest.mark.parametrize(
    ("name", "needs", "permission"), [page for page in PROTECTED_PAGES if page[1]]
)
def test_an_unknown_pk_is_404_for_a_permission_holder(client, name, needs, permission):
    client.force_login(user_with_permission(permission))
    missing = uuid.uuid4() if needs == "bookinstance" else 999999
    assert client.get(reverse(name, args=[missing])).status_code == 404


@pytest.mark.parametrize(("name", "needs", "permission"), PROTECTED_PAGES)
def test_holding_another_permission_is_not_enough(client, loaned_copy, name, needs, permission):
    other = "catalog.view_book" if permission != "catalog.view_book" else "catalog.add_book"
    client.force_login(user_with_permission(other))
    response = client.get(url_of(name, needs, loaned_copy))
    assert response.status_code == (200 if permission is None else 403)


@pytest.mark.parametrize(
    ("name", "needs", "permission"), [page for page in PROTECTED_PAGES if "-delete" in page[0]]
)
def test_a_member_cannot_delete_by_post(member_client, name, needs, permission):
    copy = BookInstanceFactory(book__genre=[GenreFactory()])
    target = objects_of(copy)[needs]
    assert member_client.post(reverse(name, args=[target.pk])).status_code == 403
    assert type(target).objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize(
    ("name", "needs", "permission"), [page for page in PROTECTED_PAGES if "-delete" in page[0]]
)
def test_an_anonymous_post_deletes_nothing_and_asks_to_log_in(client, name, needs, permission):
    copy = BookInstanceFactory(book__genre=[GenreFactory()])
    target = objects_of(copy)[needs]
    response = client.post(reverse(name, args=[target.pk]))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert type(target).objects.filter(pk=target.pk).exists()


# The header


def test_anonymous_visitor_sees_login_but_no_borrowed_links(client):
    content = client.get(reverse("books")).content.decode()
    assert "/accounts/login/?next=/catalog/books/" in content
    assert reverse("my-borrowed") not in content
    assert reverse("all-borrowed") not in content


def test_member_sees_my_borrowed_but_not_all_borrowed(member_client):
    content = member_client.get(reverse("books")).content.decode()
    assert f'href="{reverse("my-borrowed")}">My borrowed<' in content
    assert reverse("all-borrowed") not in content


def test_librarian_sees_my_borrowed_and_all_borrowed(librarian_client):
    content = librarian_client.get(reverse("books")).content.decode()
    assert f'href="{reverse("my-borrowed")}">My borrowed<' in content
    assert f'href="{reverse("all-borrowed")}">All borrowed<' in content
    for model in ("author", "book", "genre", "language", "bookinstance"):
        assert f'href="{reverse(f"{model}-create")}"' in content


def test_member_sees_no_create_links(member_client):
    content = member_client.get(reverse("books")).content.decode()
    assert "/create/" not in content


def test_create_links_follow_each_add_permission(client):
    client.force_login(user_with_permission("catalog.add_genre"))
    content = client.get(reverse("books")).content.decode()
    assert f'href="{reverse("genre-create")}"' in content
    assert reverse("book-create") not in content
    assert reverse("all-borrowed") not in content


@pytest.mark.parametrize("model", ["author", "book", "genre", "language", "bookinstance"])
def test_detail_pages_offer_edit_and_delete_to_librarians_only(client, loaned_copy, model):
    target = objects_of(loaned_copy)[model]
    update = reverse(f"{model}-update", args=[target.pk])
    delete = reverse(f"{model}-delete", args=[target.pk])
    client.force_login(MemberFactory())
    content = client.get(target.get_absolute_url()).content.decode()
    assert update not in content
    assert delete not in content
    client.force_login(LibrarianFactory())
    content = client.get(target.get_absolute_url()).content.decode()
    assert update in content
    assert delete in content


@pytest.mark.parametrize("model", ["author", "book", "genre", "language", "bookinstance"])
def test_detail_pages_offer_only_the_link_the_user_may_follow(client, loaned_copy, model):
    target = objects_of(loaned_copy)[model]
    update = reverse(f"{model}-update", args=[target.pk])
    delete = reverse(f"{model}-delete", args=[target.pk])
    client.force_login(user_with_permission(f"catalog.change_{model}"))
    content = client.get(target.get_absolute_url()).content.decode()
    assert f'href="{update}"' in content
    assert delete not in content
    client.force_login(user_with_permission(f"catalog.delete_{model}"))
    content = client.get(target.get_absolute_url()).content.decode()
    assert update not in content
    assert f'href="{delete}"' in content


# My borrowed


def test_my_borrowed_lists_only_my_copies_on_loan(member_client, member):
    mine = LoanedCopyFactory(borrower=member)
    LoanedCopyFactory()  # someone else's
    # Reserved copies carry a borrower too, but they are not borrowed.
    BookInstanceFactory(borrower=member, status=BookInstance.LoanStatus.RESERVED)
    BookInstanceFactory(borrower=member, status=BookInstance.LoanStatus.MAINTENANCE)
    response = member_client.get(reverse("my-borrowed"))
    assert list(response.context["bookinstance_list"]) == [mine]
    assert mine.book.title in response.content.decode()


def test_my_borrowed_is_ordered_by_due_date_then_id(member_client, member):
    later = LoanedCopyFactory(borrower=member, due_back=days_from_today(10))
    same_day = [LoanedCopyFactory(borrower=member, due_back=days_from_today(3)) for _ in range(3)]
    listed = list(member_client.get(reverse("my-borrowed")).context["bookinstance_list"])
    assert listed == [*sorted(same_day, key=lambda copy: copy.pk), later]


def test_my_borrowed_marks_overdue_copies(member_client, member):
    LoanedCopyFactory(borrower=member, due_back=days_from_today(-1), book__title="Late book")
    content = member_client.get(reverse("my-borrowed")).content.decode()
    assert "(overdue)" in content


def test_a_copy_due_today_is_not_overdue(member_client, member):
    LoanedCopyFactory(borrower=member, due_back=days_from_today(0))
    assert "(overdue)" not in member_client.get(reverse("my-borrowed")).content.decode()


def test_my_borrowed_says_so_when_nothing_is_borrowed(member_client):
    content = member_client.get(reverse("my-borrowed")).content.decode()
    assert "There are no books borrowed." in content


def test_my_borrowed_uses_the_visitors_page_size(member_client, member):
    for _ in range(12):
        LoanedCopyFactory(borrower=member)
    assert member_client.get(reverse("my-borrowed")).context["is_paginated"]
    member_client.post(reverse("preferences"), {"page_size": 25})
    response = member_client.get(reverse("my-borrowed"))
    assert not response.context["is_paginated"]
    assert len(response.context["bookinstance_list"]) == 12


def test_my_borrowed_escapes_titles(member_client, member):
    LoanedCopyFactory(borrower=member, book__title="<script>x()</script>")
    content = member_client.get(reverse("my-borrowed")).content.decode()
    assert "<script>x()" not in content
    assert "&lt;script&gt;x()" in content


# All borrowed


def test_all_borrowed_lists_every_loan_with_borrower_and_renew_link(librarian_client):
    first = LoanedCopyFactory(borrower=MemberFactory(username="alice"))
    second = LoanedCopyFactory(borrower=MemberFactory(username="bob"))
    BookInstanceFactory(borrower=first.borrower, status=BookInstance.LoanStatus.RESERVED)
    BookInstanceFactory()
    response = librarian_client.get(reverse("all-borrowed"))
    content = response.content.decode()
    assert set(response.context["bookinstance_list"]) == {first, second}
    for copy in (first, second):
        assert copy.borrower.username in content
        assert reverse("renew-book-librarian", args=[copy.pk]) in content


def test_all_borrowed_is_ordered_by_due_date_and_marks_overdue(librarian_client):
    late = LoanedCopyFactory(due_back=days_from_today(-3))
    soon = LoanedCopyFactory(due_back=days_from_today(2))
    response = librarian_client.get(reverse("all-borrowed"))
    assert list(response.context["bookinstance_list"]) == [late, soon]
    assert response.content.decode().count("(overdue)") == 1


def test_all_borrowed_runs_a_bounded_number_of_queries(
    librarian_client, django_assert_max_num_queries
):
    for _ in range(10):
        LoanedCopyFactory()
    with django_assert_max_num_queries(12):
        librarian_client.get(reverse("all-borrowed"))


# Renewing a copy


def renew_url(copy):
    return reverse("renew-book-librarian", args=[copy.pk])


def test_renew_page_proposes_three_weeks_from_today(librarian_client, loaned_copy):
    response = librarian_client.get(renew_url(loaned_copy))
    assert response.context["form"].initial["renewal_date"] == days_from_today(21)
    assert f'value="{days_from_today(21):%Y-%m-%d}"' in response.content.decode()
    assert response.context["book_instance"] == loaned_copy


@pytest.mark.parametrize("days", [0, 21, 28])
def test_renewing_moves_the_due_date_and_goes_to_all_borrowed(librarian_client, loaned_copy, days):
    data = {"renewal_date": days_from_today(days)}
    response = librarian_client.post(renew_url(loaned_copy), data)
    assert response.status_code == 302
    assert response.url == reverse("all-borrowed")
    loaned_copy.refresh_from_db()
    assert loaned_copy.due_back == days_from_today(days)
    assert loaned_copy.status == BookInstance.LoanStatus.ON_LOAN


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "Invalid date - renewal in past"),
        (29, "Invalid date - renewal more than 4 weeks ahead"),
    ],
)
def test_renewing_out_of_range_is_refused(librarian_client, loaned_copy, days, message):
    before = loaned_copy.due_back
    data = {"renewal_date": days_from_today(days)}
    response = librarian_client.post(renew_url(loaned_copy), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    loaned_copy.refresh_from_db()
    assert loaned_copy.due_back == before


@pytest.mark.parametrize("typed", ["", "next week", "31/31/2024", "2024-13-01", "9" * 300])
def test_renewing_with_a_malformed_date_is_a_form_error(librarian_client, loaned_copy, typed):
    before = loaned_copy.due_back
    response = librarian_client.post(renew_url(loaned_copy), {"renewal_date": typed})
    assert response.status_code == 200
    assert response.context["form"].errors["renewal_date"]
    loaned_copy.refresh_from_db()
    assert loaned_copy.due_back == before


@pytest.mark.parametrize(
    "status",
    [
        BookInstance.LoanStatus.AVAILABLE,
        BookInstance.LoanStatus.RESERVED,
        BookInstance.LoanStatus.MAINTENANCE,
    ],
)
def test_a_copy_not_on_loan_cannot_be_renewed(librarian_client, status):
    copy = BookInstanceFactory(status=status, due_back=None)
    page = librarian_client.get(renew_url(copy)).content.decode()
    assert "This copy is not on loan" in page
    assert 'name="renewal_date"' not in page
    response = librarian_client.post(renew_url(copy), {"renewal_date": days_from_today(7)})
    assert response.status_code == 200
    assert "This copy is not on loan" in response.content.decode()
    copy.refresh_from_db()
    assert copy.due_back is None
    assert copy.status == status


def test_a_member_cannot_renew_by_post(member_client, loaned_copy):
    before = loaned_copy.due_back
    response = member_client.post(renew_url(loaned_copy), {"renewal_date": days_from_today(20)})
    assert response.status_code == 403
    loaned_copy.refresh_from_db()
    assert loaned_copy.due_back == before


def test_a_malformed_copy_id_is_404(librarian_client):
    assert librarian_client.get("/catalog/book/not-a-uuid/renew/").status_code == 404

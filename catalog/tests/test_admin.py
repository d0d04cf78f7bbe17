"""The admin (tutorial part 4): every page loads, lists cost no query per row."""

import pytest
from django.urls import reverse

from catalog.models import Book, BookInstance, SiteNotice

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LoanedCopyFactory,
    SiteNoticeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = ["author", "book", "bookinstance", "genre", "language", "sitenotice"]


@pytest.fixture
def catalog_data():
    genres = GenreFactory.create_batch(4)
    book = BookFactory(genre=genres)
    BookInstanceFactory(book=book)
    LoanedCopyFactory(book=book)
    SiteNoticeFactory()
    return book


@pytest.mark.parametrize("model", MODELS)
def test_superuser_opens_every_changelist_and_add_page(admin_client, catalog_data, model):
    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 200


def test_book_change_page_shows_its_copies_inline(admin_client, catalog_data):
    response = admin_client.get(reverse("admin:catalog_book_change", args=[catalog_data.pk]))
    assert response.status_code == 200
    assert "Test Press, 2020" in response.content.decode()


def test_author_change_page_shows_their_books_inline(admin_client, catalog_data):
    url = reverse("admin:catalog_author_change", args=[catalog_data.author.pk])
    assert catalog_data.title in admin_client.get(url).content.decode()


def test_copy_change_page_groups_fields_in_fieldsets(admin_client, catalog_data):
    copy = BookInstance.objects.first()
    content = admin_client.get(reverse("admin:catalog_bookinstance_change", args=[copy.pk]))
    assert "Availability" in content.content.decode()


def test_book_changelist_shows_genres_and_searches_by_isbn(admin_client, catalog_data):
    url = reverse("admin:catalog_book_changelist")
    content = admin_client.get(url).content.decode()
    assert catalog_data.display_genre() in content
    found = admin_client.get(url, {"q": catalog_data.isbn}).content.decode()
    assert catalog_data.title in found


@pytest.mark.parametrize(
    "model, factory",
    [
        ("book", lambda: BookFactory(genre=GenreFactory.create_batch(2))),
        ("bookinstance", lambda: LoanedCopyFactory()),
        ("author", lambda: AuthorFactory()),
    ],
)
def test_admin_changelists_cost_the_same_for_one_row_as_for_many(
    admin_client, model, factory, django_assert_max_num_queries
):
    url = reverse(f"admin:catalog_{model}_changelist")
    factory()
    admin_client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(url)
    for _ in range(15):
        factory()
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        admin_client.get(url)


def test_patron_cannot_open_the_admin(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_a_notice_ending_before_it_starts_is_refused_in_the_admin(admin_client):
    """It would never show: the admin says why instead of saving it."""
    response = admin_client.post(
        reverse("admin:catalog_sitenotice_add"),
        {"text": "Closed for stocktaking", "active": "on", "starts_on": "2026-12-10",
         "ends_on": "2026-12-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "The notice would end before it starts." in response.content.decode()
    assert not SiteNotice.objects.exists()


@pytest.mark.parametrize(
    ("typed", "saved"), [("0-306-40615-2", "9780306406157"), ("978-0-306-40615-7", "9780306406157")]
)
def test_an_isbn_typed_in_the_admin_is_checked_and_saved_as_isbn_13(
    admin_client, catalog_data, typed, saved
):
    """As in the site's book form: the import then finds the same book by its ISBN."""
    data = {
        "title": "Experiments",
        "author": catalog_data.author.pk,
        "summary": "Measured.",
        "isbn": typed,
        "genre": [catalog_data.genre.first().pk],
        # The copies inline's management form, with no copy.
        "bookinstance_set-TOTAL_FORMS": "0",
        "bookinstance_set-INITIAL_FORMS": "0",
    }
    response = admin_client.post(
        reverse("admin:catalog_book_add"), {**data, "isbn": "1234567890123"}
    )
    assert response.status_code == 200
    assert not Book.objects.filter(title="Experiments").exists()
    admin_client.post(reverse("admin:catalog_book_add"), data)
    assert Book.objects.get(title="Experiments").isbn == saved

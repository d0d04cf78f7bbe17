"""The contract's "URLs" section: paths, names, templates, access, pagination, redirects."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Author, Book, BookInstance, Genre, Language

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LanguageFactory,
    LibrarianFactory,
    LoanedCopyFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db

MISSING_UUID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def data():
    copy = BookInstanceFactory(book__genre=[GenreFactory()])
    return {
        "book": copy.book,
        "author": copy.book.author,
        "genre": copy.book.genre.get(),
        "language": copy.book.language,
        "bookinstance": copy,
    }


def test_the_site_root_sends_visitors_to_the_catalog(client):
    response = client.get("/")
    assert response.status_code in (301, 302)
    assert response["Location"] == "/catalog/"


@pytest.mark.parametrize(
    "name, path, template",
    [
        ("index", "/catalog/", "index.html"),
        ("books", "/catalog/books/", "catalog/book_list.html"),
        ("authors", "/catalog/authors/", "catalog/author_list.html"),
        ("genres", "/catalog/genres/", "catalog/genre_list.html"),
        ("languages", "/catalog/languages/", "catalog/language_list.html"),
        ("bookinstances", "/catalog/bookinstances/", "catalog/bookinstance_list.html"),
    ],
)
def test_everyone_opens_the_lists(client, name, path, template):
    assert reverse(name) == path
    response = client.get(path)
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]


@pytest.mark.parametrize("model", ["book", "author", "genre", "language", "bookinstance"])
def test_everyone_opens_a_records_page_under_its_name(client, data, model):
    obj = data[model]
    path = reverse(f"{model}-detail", args=[obj.pk])
    assert path == f"/catalog/{model}/{obj.pk}"
    response = client.get(path)
    assert response.status_code == 200
    assert f"catalog/{model}_detail.html" in [t.name for t in response.templates]
    assert response.context[model] == obj


@pytest.mark.parametrize("model", ["book", "author", "genre", "language"])
def test_a_record_that_does_not_exist_is_404(client, model):
    assert client.get(f"/catalog/{model}/999999").status_code == 404


def test_a_copy_that_does_not_exist_is_404(client):
    assert client.get(f"/catalog/bookinstance/{MISSING_UUID}").status_code == 404


@pytest.mark.parametrize(
    "name, factory, per_object",
    [
        ("books", BookFactory, "book_list"),
        ("authors", AuthorFactory, "author_list"),
        ("genres", GenreFactory, "genre_list"),
        ("languages", LanguageFactory, "language_list"),
        ("bookinstances", BookInstanceFactory, "bookinstance_list"),
    ],
)
def test_lists_show_ten_a_page_and_never_repeat_an_entry(
    client, recwarn, name, factory, per_object
):
    factory.create_batch(23)
    seen = []
    for page in (1, 2, 3):
        response = client.get(reverse(name), {"page": page})
        assert response.status_code == 200
        assert response.context["is_paginated"]
        assert response.context["page_obj"].number == page
        seen += list(response.context[per_object])
    assert len(seen) == 23 == len(set(seen))
    assert not [w for w in recwarn if "UnorderedObjectListWarning" in str(w.category)]


def test_a_page_number_past_the_end_is_404_not_500(client):
    BookFactory.create_batch(3)
    assert client.get(reverse("books"), {"page": 99}).status_code == 404
    assert client.get(reverse("books"), {"page": "x"}).status_code == 404


def test_the_search_term_survives_page_two(client):
    BookFactory.create_batch(12, title=factory_title())
    response = client.get(reverse("search"), {"q": "Dragon"})
    content = response.content.decode()
    assert response.context["is_paginated"]
    links = re.findall(r'href="([^"]*page=2[^"]*)"', content)
    assert links and all("q=Dragon" in link for link in links), links


def factory_title():
    import factory

    return factory.Sequence(lambda n: f"Dragon tale {n:03d}")


def test_my_borrowed_lists_my_copies_on_loan_soonest_due_first(client):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    me = MemberFactory()
    later = LoanedCopyFactory(borrower=me, due_back=today + datetime.timedelta(days=9))
    sooner = LoanedCopyFactory(borrower=me, due_back=today + datetime.timedelta(days=2))
    LoanedCopyFactory()  # someone else's
    BookInstanceFactory()  # on the shelf
    client.force_login(me)
    response = client.get("/catalog/mybooks/")
    assert reverse("my-borrowed") == "/catalog/mybooks/"
    assert "catalog/bookinstance_list_borrowed_user.html" in [t.name for t in response.templates]
    assert list(response.context["bookinstance_list"]) == [sooner, later]


def test_all_borrowed_lists_every_copy_on_loan_with_its_borrower(client):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    first = LoanedCopyFactory(due_back=today + datetime.timedelta(days=1))
    second = LoanedCopyFactory(due_back=today + datetime.timedelta(days=5))
    BookInstanceFactory()
    client.force_login(LibrarianFactory())
    response = client.get("/catalog/borrowed/")
    assert "catalog/bookinstance_list_borrowed_all.html" in [t.name for t in response.templates]
    assert list(response.context["bookinstance_list"]) == [first, second]
    content = response.content.decode()
    assert first.borrower.username in content and second.borrower.username in content


LOGGED_IN_PAGES = ["/catalog/mybooks/"]


def librarian_pages(data):
    copy = data["bookinstance"]
    pages = ["/catalog/borrowed/", f"/catalog/book/{copy.pk}/renew/"]
    for model in ("author", "book", "genre", "language", "bookinstance"):
        pk = data[model].pk
        pages += [
            f"/catalog/{model}/create/",
            f"/catalog/{model}/{pk}/update/",
            f"/catalog/{model}/{pk}/delete/",
        ]
    return pages


def test_anonymous_visitors_are_sent_to_log_in(client, data):
    for path in LOGGED_IN_PAGES + librarian_pages(data):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/login/?next={path}", path


def test_members_get_403_on_librarian_pages(client, data):
    client.force_login(MemberFactory())
    for path in librarian_pages(data):
        assert client.get(path).status_code == 403, path
    assert client.get("/catalog/mybooks/").status_code == 200


def test_librarians_open_their_pages(client, data):
    client.force_login(LibrarianFactory())
    for path in librarian_pages(data):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    "template_model, action, template",
    [
        (model, action, f"catalog/{model}_{suffix}.html")
        for model in ("author", "book", "genre", "language", "bookinstance")
        for action, suffix in (("create", "form"), ("update", "form"), ("delete", "confirm_delete"))
    ],
)
def test_edit_pages_use_the_tutorials_templates(client, data, template_model, action, template):
    client.force_login(LibrarianFactory())
    args = [] if action == "create" else [data[template_model].pk]
    response = client.get(reverse(f"{template_model}-{action}", args=args))
    assert template in [t.name for t in response.templates]


@pytest.mark.parametrize("model", ["author", "book", "genre", "language"])
def test_editing_a_record_that_does_not_exist_is_404(client, model):
    client.force_login(LibrarianFactory())
    for action in ("update", "delete"):
        assert client.get(f"/catalog/{model}/999999/{action}/").status_code == 404


def test_editing_a_copy_that_does_not_exist_is_404(client):
    client.force_login(LibrarianFactory())
    for action in ("update", "delete", "renew"):
        path = (
            f"/catalog/book/{MISSING_UUID}/renew/"
            if action == "renew"
            else f"/catalog/bookinstance/{MISSING_UUID}/{action}/"
        )
        assert client.get(path).status_code == 404, path


def test_a_user_with_only_one_permission_gets_only_that_page(client, data):
    from django.contrib.auth.models import Permission

    user = MemberFactory()
    user.user_permissions.add(Permission.objects.get(codename="add_author"))
    client.force_login(user)
    assert client.get("/catalog/author/create/").status_code == 200
    assert client.get(f"/catalog/author/{data['author'].pk}/update/").status_code == 403
    assert client.get(f"/catalog/author/{data['author'].pk}/delete/").status_code == 403
    assert client.get("/catalog/genre/create/").status_code == 403


def test_creating_and_updating_an_author_goes_to_their_page(client):
    client.force_login(LibrarianFactory())
    response = client.post(
        "/catalog/author/create/", {"first_name": "Mary", "last_name": "Shelley"}
    )
    author = Author.objects.get(last_name="Shelley")
    assert response.status_code == 302
    assert response["Location"] == author.get_absolute_url()
    response = client.post(
        f"/catalog/author/{author.pk}/update/",
        {"first_name": "Mary W.", "last_name": "Shelley", "date_of_birth": "1797-08-30"},
    )
    assert response["Location"] == author.get_absolute_url()
    author.refresh_from_db()
    assert author.first_name == "Mary W."


def test_creating_a_genre_language_and_copy_go_to_their_pages(client, data):
    client.force_login(LibrarianFactory())
    response = client.post("/catalog/genre/create/", {"name": "Poetry"})
    assert response["Location"] == Genre.objects.get(name="Poetry").get_absolute_url()
    response = client.post("/catalog/language/create/", {"name": "Esperanto"})
    assert response["Location"] == Language.objects.get(name="Esperanto").get_absolute_url()
    response = client.post(
        "/catalog/bookinstance/create/",
        {"book": data["book"].pk, "imprint": "New Press", "status": "m"},
    )
    assert response["Location"] == BookInstance.objects.get(imprint="New Press").get_absolute_url()


@pytest.mark.parametrize(
    "model, list_path", [("genre", "/catalog/genres/"), ("language", "/catalog/languages/")]
)
def test_deleting_goes_back_to_the_list(client, model, list_path):
    obj = {"genre": GenreFactory, "language": LanguageFactory}[model]()
    client.force_login(LibrarianFactory())
    response = client.post(f"/catalog/{model}/{obj.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == list_path
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_deleting_a_copy_and_a_lone_book_and_author_go_back_to_their_lists(client):
    copy = BookInstanceFactory()
    book, author = copy.book, copy.book.author
    client.force_login(LibrarianFactory())
    assert client.post(f"/catalog/bookinstance/{copy.pk}/delete/")["Location"] == (
        "/catalog/bookinstances/"
    )
    assert client.post(f"/catalog/book/{book.pk}/delete/")["Location"] == "/catalog/books/"
    assert client.post(f"/catalog/author/{author.pk}/delete/")["Location"] == "/catalog/authors/"
    assert not Author.objects.filter(pk=author.pk).exists()


def test_an_author_with_books_is_not_deleted_and_the_page_says_which(client):
    book = BookFactory(title="Frankenstein")
    client.force_login(LibrarianFactory())
    response = client.post(f"/catalog/author/{book.author.pk}/delete/")
    assert response.status_code == 200
    assert "catalog/author_confirm_delete.html" in [t.name for t in response.templates]
    assert "Frankenstein" in response.content.decode()
    assert Author.objects.filter(pk=book.author.pk).exists()


def test_a_book_with_copies_is_not_deleted_and_the_page_says_which(client):
    copy = BookInstanceFactory(book__title="Middlemarch")
    client.force_login(LibrarianFactory())
    response = client.post(f"/catalog/book/{copy.book.pk}/delete/")
    assert response.status_code == 200
    assert str(copy.pk) in response.content.decode()
    assert Book.objects.filter(pk=copy.book.pk).exists()


def test_the_book_list_costs_at_most_six_queries_and_the_home_page_twelve(client):
    BookInstanceFactory.create_batch(15)
    client.get("/catalog/")  # the visitor has a session from now on
    with CaptureQueriesContext(connection) as books:
        assert client.get("/catalog/books/").status_code == 200
    with CaptureQueriesContext(connection) as home:
        assert client.get("/catalog/").status_code == 200
    assert len(books) <= 6
    assert len(home) <= 12


def test_a_logged_in_visitors_book_list_keeps_within_six_queries(client):
    """The contract's budget names no kind of visitor: a logged-in one is a visitor too."""
    BookInstanceFactory.create_batch(15)
    client.force_login(MemberFactory())
    client.get("/catalog/books/")
    with CaptureQueriesContext(connection) as books:
        assert client.get("/catalog/books/").status_code == 200
    with CaptureQueriesContext(connection) as home:
        assert client.get("/catalog/").status_code == 200
    assert len(home) <= 12
    assert len(books) <= 6, [q["sql"][:80] for q in books.captured_queries]


def test_after_login_the_visitor_lands_on_the_home_page(client, log_in):
    user = MemberFactory()
    response = log_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_is_a_post(client):
    client.force_login(MemberFactory())
    response = client.post("/accounts/logout/")
    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session
    client.force_login(MemberFactory())
    assert client.get("/accounts/logout/").status_code == 405


def test_healthz_answers_ok_over_plain_http(client):
    response = client.get("/healthz", HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_the_sidebar_shows_each_role_what_its_permissions_allow(client):
    """One query loads the permissions, from the user's groups and their own grants alike."""
    from django.contrib.auth.models import Permission

    member = MemberFactory()
    client.force_login(member)
    content = client.get("/catalog/books/").content.decode()
    assert "/catalog/desk/" not in content and "/catalog/author/create/" not in content
    member.user_permissions.add(Permission.objects.get(codename="add_author"))
    content = client.get("/catalog/books/").content.decode()
    assert "/catalog/author/create/" in content and "/catalog/desk/" not in content
    client.force_login(LibrarianFactory())
    content = client.get("/catalog/books/").content.decode()
    assert "/catalog/desk/" in content and "/catalog/book/create/" in content

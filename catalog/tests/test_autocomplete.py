"""The edit forms' search-as-you-type fields and their endpoint (issue 17, part 4)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.autocomplete import AUTOCOMPLETE_LIMIT, AUTOCOMPLETE_MAX_LENGTH
from catalog.models import Book, BookInstance

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LanguageFactory,
    MemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def suggest(client, source, q):
    return client.get(reverse("autocomplete", args=[source]), {"q": q})


def texts(response):
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


# The endpoint: who may ask, what it answers.


def test_librarian_finds_authors_by_every_word_of_their_names(librarian_client):
    AuthorFactory(first_name="Ursula", last_name="Le Guin")
    AuthorFactory(first_name="Ursula", last_name="Moray")
    AuthorFactory(first_name="Frank", last_name="Herbert")
    assert texts(suggest(librarian_client, "author", "ursula")) == [
        "Le Guin, Ursula",
        "Moray, Ursula",
    ]
    assert texts(suggest(librarian_client, "author", "guin URS")) == ["Le Guin, Ursula"]


def test_librarian_finds_books_by_title_or_isbn_named_with_their_author(librarian_client):
    dune = BookFactory(title="Dune", author__first_name="Frank", author__last_name="Herbert")
    BookFactory(title="Emma")
    assert texts(suggest(librarian_client, "book", "dun")) == ["Dune (Herbert, Frank)"]
    found = suggest(librarian_client, "book", dune.isbn).json()["results"]
    assert found == [{"id": str(dune.pk), "text": "Dune (Herbert, Frank)"}]


def test_librarian_sees_a_book_in_the_suggestions_as_soon_as_it_is_added(librarian_client):
    """Book suggestions share the search page's cached hits: a new book is a new version."""
    BookFactory(title="Dune", author__last_name="Herbert", author__first_name="Frank")
    assert texts(suggest(librarian_client, "book", "dune")) == ["Dune (Herbert, Frank)"]
    BookFactory(title="Dune Messiah", author__last_name="Herbert", author__first_name="Frank")
    assert texts(suggest(librarian_client, "book", "dune")) == [
        "Dune (Herbert, Frank)",
        "Dune Messiah (Herbert, Frank)",
    ]
    assert texts(suggest(librarian_client, "book", "messiah")) == ["Dune Messiah (Herbert, Frank)"]


def test_librarian_finds_active_people_by_user_name_or_full_name(librarian_client):
    UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    UserFactory(username="alfred", is_active=False)
    found = suggest(librarian_client, "borrower", "lid").json()["results"]
    assert [(r["text"], r["hint"]) for r in found] == [("alice", "Alice Liddell")]
    assert texts(suggest(librarian_client, "borrower", "al")) == ["alice"]


def test_suggestions_stop_at_the_limit_however_many_rows_match(librarian_client):
    AuthorFactory.create_batch(AUTOCOMPLETE_LIMIT + 5, last_name="Smith")
    assert len(texts(suggest(librarian_client, "author", "smith"))) == AUTOCOMPLETE_LIMIT


def test_an_empty_query_suggests_nothing(librarian_client):
    AuthorFactory()
    assert texts(suggest(librarian_client, "author", "  ")) == []
    assert texts(librarian_client.get(reverse("autocomplete", args=["author"]))) == []


@pytest.mark.parametrize("q", ["%", "_", "'; drop table x", "é" * 50, "\\", "a\x01b"])
def test_odd_input_is_searched_as_typed_never_a_500(librarian_client, q):
    assert texts(suggest(librarian_client, "book", q)) == []


@pytest.mark.parametrize("q", ["x" * (AUTOCOMPLETE_MAX_LENGTH + 1), "nul\x00byte"])
def test_input_the_endpoint_refuses_gets_a_400_that_says_why(librarian_client, q):
    response = suggest(librarian_client, "author", q)
    assert response.status_code == 400
    assert response.json()["results"] == []
    assert response.json()["error"]


def test_an_unknown_list_is_404(librarian_client):
    assert suggest(librarian_client, "password", "a").status_code == 404


@pytest.mark.parametrize("source", ["author", "book", "borrower"])
def test_anonymous_visitor_is_sent_to_log_in(client, source):
    response = suggest(client, source, "a")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("source", ["author", "book", "borrower"])
def test_member_without_the_forms_permission_gets_403(member_client, source):
    UserFactory(username="someone")
    assert suggest(member_client, source, "some").status_code == 403


def test_only_writes_answer_405(librarian_client):
    assert librarian_client.post(reverse("autocomplete", args=["author"])).status_code == 405


# The forms: a box holding the key, the chosen row's label beside it, no <select>.


def test_librarian_sees_the_book_form_with_an_author_search_box_not_a_select(librarian_client):
    book = BookFactory(author__first_name="Frank", author__last_name="Herbert")
    content = librarian_client.get(reverse("book-update", args=[book.pk])).content.decode()
    assert '<select name="author"' not in content
    assert f'name="author" value="{book.author.pk}"' in content
    assert 'data-autocomplete="/catalog/autocomplete/author/"' in content
    assert "Herbert, Frank" in content
    assert "js/autocomplete" in content


def test_librarian_sees_the_copy_forms_book_and_borrower_by_name(librarian_client):
    copy = BookInstanceFactory(
        book__title="Dune", borrower=MemberFactory(username="alice"), status="o"
    )
    content = librarian_client.get(reverse("bookinstance-update", args=[copy.pk])).content.decode()
    assert '<select name="book"' not in content
    assert '<select name="borrower"' not in content
    assert f'name="book" value="{copy.book.pk}"' in content
    assert f'name="borrower" value="{copy.borrower.pk}"' in content
    assert "Dune (" in content
    assert ">alice<" in content


def test_librarian_creates_a_book_with_a_typed_author_id_without_javascript(librarian_client):
    author = AuthorFactory()
    response = librarian_client.post(
        reverse("book-create"),
        {
            "title": "Typed",
            "author": str(author.pk),
            "summary": "s",
            "isbn": "9780306406157",
            "language": LanguageFactory().pk,
            "genre": [GenreFactory().pk],
        },
    )
    book = Book.objects.get(title="Typed")
    assert response.status_code == 302
    assert book.author == author


@pytest.mark.parametrize("typed", ["abc", "99999999", "9" * 40, "-1", "1.5"])
def test_a_bad_typed_id_is_a_form_error_never_a_500(librarian_client, typed):
    copy = BookInstanceFactory()
    response = librarian_client.post(
        reverse("bookinstance-update", args=[copy.pk]),
        {"book": typed, "imprint": "x", "status": "a", "due_back": "", "borrower": typed},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    copy.refresh_from_db()
    assert copy.imprint != "x"


def test_librarian_changes_a_copys_book_by_posting_the_chosen_pk(librarian_client):
    copy = BookInstanceFactory()
    other = BookFactory(title="Emma")
    response = librarian_client.post(
        reverse("bookinstance-update", args=[copy.pk]),
        {"book": other.pk, "imprint": "x", "status": "a", "due_back": "", "borrower": ""},
    )
    assert response.status_code == 302
    assert BookInstance.objects.get(pk=copy.pk).book == other


def page_cost(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.content)


@pytest.mark.parametrize("model", ["book", "bookinstance"])
def test_edit_pages_weigh_the_same_with_one_related_row_as_with_hundreds(librarian_client, model):
    """One author, book and user against two hundred of each: same queries, same page size.

    Languages and genres stay few (a library has dozens): their lists are the form's to show.
    """
    copy = BookInstanceFactory(borrower=MemberFactory(), status="o")
    urls = [
        reverse(f"{model}-create"),
        reverse(f"{model}-update", args=[copy.book.pk if model == "book" else copy.pk]),
    ]
    few = [page_cost(librarian_client, url) for url in urls]
    # Two hundred books, each with its own author, in the one language.
    BookFactory.create_batch(200, language=copy.book.language)
    MemberFactory.create_batch(200)
    many = [page_cost(librarian_client, url) for url in urls]
    for (few_queries, few_bytes), (many_queries, many_bytes) in zip(few, many, strict=True):
        assert many_queries == few_queries
        assert abs(many_bytes - few_bytes) < 200


def test_librarian_searches_a_copys_book_in_the_admin(librarian_client):
    BookFactory(title="Dune")
    BookFactory(title="Emma")
    copy = BookInstanceFactory(book__title="Persuasion")
    page = librarian_client.get(reverse("admin:catalog_bookinstance_change", args=[copy.pk]))
    assert 'class="admin-autocomplete' in page.content.decode()
    assert "Emma" not in page.content.decode()
    response = librarian_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "bookinstance", "field_name": "book", "term": "dun"},
    )
    assert [result["text"] for result in response.json()["results"]] == ["Dune"]


def test_librarian_sees_the_lend_forms_borrower_as_a_user_name_search(librarian_client):
    copy = BookInstanceFactory()
    content = librarian_client.get(reverse("lend-book-librarian", args=[copy.pk])).content.decode()
    assert 'name="borrower"' in content
    assert 'data-autocomplete="/catalog/autocomplete/borrower/"' in content
    assert 'data-autocomplete-posts="text"' in content


@pytest.mark.parametrize("source", ["author", "book", "borrower"])
def test_suggestions_cost_the_same_queries_for_one_match_as_for_a_full_list(
    librarian_client, source
):
    make = {
        "author": lambda n: AuthorFactory.create_batch(n, last_name="Smith"),
        "book": lambda n: BookFactory.create_batch(n, title="Smith's Garden"),
        "borrower": lambda n: [UserFactory(last_name="Smith") for _ in range(n)],
    }[source]
    url = reverse("autocomplete", args=[source])
    make(1)
    with CaptureQueriesContext(connection) as one:
        assert len(texts(librarian_client.get(url, {"q": "smith"}))) == 1
    make(AUTOCOMPLETE_LIMIT + 5)
    with CaptureQueriesContext(connection) as full:
        assert len(texts(librarian_client.get(url, {"q": "smith"}))) == AUTOCOMPLETE_LIMIT
    assert len(full.captured_queries) == len(one.captured_queries)


@pytest.mark.parametrize(
    ("form", "example"),
    [("book-create", "/catalog/author/12"), ("bookinstance-create", "/catalog/book/12")],
)
def test_without_javascript_the_form_says_which_number_to_type(librarian_client, form, example):
    content = librarian_client.get(reverse(form)).content.decode()
    hint = re.search(r"<noscript>(.*?)</noscript>", content, re.S)[1]
    assert f"as 12 in {example}" in hint

"""The contract's "Search" section, as a visitor uses the header's box."""

import pytest
from django.urls import reverse

from catalog.models import Book

from .factories import AuthorFactory, BookFactory, GenreFactory

pytestmark = pytest.mark.django_db


def found(client, query):
    response = client.get("/catalog/search/", {"q": query})
    assert response.status_code == 200
    return response


@pytest.fixture
def library():
    tolkien = AuthorFactory(first_name="John Ronald", last_name="Tolkien")
    fantasy = GenreFactory(name="High Fantasy")
    return {
        "hobbit": BookFactory(
            title="The Hobbit", author=tolkien, isbn="9780261102217", genre=[fantasy]
        ),
        "rings": BookFactory(title="The Lord of the Rings", author=tolkien, isbn="9780261103252"),
        "emma": BookFactory(
            title="Emma", author=AuthorFactory(first_name="Jane", last_name="Austen")
        ),
    }


def test_the_search_page_has_its_name_and_template(client, library):
    assert reverse("search") == "/catalog/search/"
    response = found(client, "hobbit")
    assert "catalog/search_results.html" in [t.name for t in response.templates]
    assert list(response.context["book_list"]) == [library["hobbit"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("HOBBIT", {"hobbit"}),
        ("tolk", {"hobbit", "rings"}),
        ("ronald", {"hobbit", "rings"}),
        ("9780261102217", {"hobbit"}),
        ("0261103", {"rings"}),
        ("fantasy", {"hobbit"}),
        ("tolkien hobbit", {"hobbit"}),
        ("hobbit FANTASY tolkien", {"hobbit"}),
        ("tolkien emma", set()),
        ("the", {"hobbit", "rings"}),
        ("ma", {"emma"}),
    ],
)
def test_search_finds_books_matching_every_word(client, library, query, expected):
    got = set(found(client, query).context["book_list"])
    assert got == {library[name] for name in expected}


def test_an_empty_query_shows_no_results_and_no_error(client, library):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/catalog/search/", params)
        assert response.status_code == 200
        assert list(response.context["book_list"]) == []


@pytest.mark.parametrize(
    "query",
    [
        "x" * 100_000,
        "\x00",
        "%_%",
        '"',
        "' OR 1=1 --",
        "AND OR NOT",
        "NEAR(a b)",
        "*",
        "^",
        "漢字テスト",
        "🙂🙂🙂",
        "a " * 5000,
        "(",
        ":",
        "title:x",
    ],
)
def test_any_input_never_gives_a_server_error(client, library, query):
    response = client.get("/catalog/search/", {"q": query})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("raw", ["%FF%FE", "%ED%A0%80", "%00", "%", "%%%", "q=x"])
def test_bytes_that_are_not_utf8_never_give_a_server_error(client, library, raw):
    assert client.get(f"/catalog/search/?q={raw}").status_code in (200, 400)
    assert client.get(f"/catalog/search/?q=hobbit&page={raw}").status_code in (200, 400, 404)


def test_every_page_has_the_search_box(client, library):
    book = library["hobbit"]
    for path in ["/catalog/", "/catalog/books/", book.get_absolute_url(), "/accounts/login/"]:
        content = client.get(path).content.decode()
        assert 'action="/catalog/search/"' in content, path
        assert 'name="q"' in content, path


def test_search_keeps_up_with_update_and_many_to_many_changes(client, library):
    Book.objects.filter(pk=library["emma"].pk).update(title="Persuasion")
    assert set(found(client, "persuasion").context["book_list"]) == {library["emma"]}
    assert list(found(client, "emma").context["book_list"]) == []
    poetry = GenreFactory(name="Poetry")
    library["rings"].genre.add(poetry)
    assert set(found(client, "poetry").context["book_list"]) == {library["rings"]}
    library["rings"].genre.remove(poetry)
    assert list(found(client, "poetry").context["book_list"]) == []
    poetry.name = "Verse"
    poetry.save()
    library["emma"].genre.add(poetry)
    assert set(found(client, "verse").context["book_list"]) == {library["emma"]}


def test_search_keeps_up_with_bulk_create_and_author_renames(client, library):
    author = AuthorFactory(last_name="Brontë")
    Book.objects.bulk_create(
        [Book(title="Jane Eyre", author=author, summary="s", isbn="9780141441146")]
    )
    assert [b.title for b in found(client, "eyre").context["book_list"]] == ["Jane Eyre"]
    author.last_name = "Bell"
    author.save()
    assert [b.title for b in found(client, "bell").context["book_list"]] == ["Jane Eyre"]


def test_search_results_are_paginated_and_keep_the_query(client):
    import factory

    BookFactory.create_batch(15, title=factory.Sequence(lambda n: f"Ocean {n:02d}"))
    first = found(client, "ocean")
    assert first.context["is_paginated"]
    assert len(first.context["book_list"]) == 10
    second = client.get("/catalog/search/", {"q": "ocean", "page": 2})
    assert len(second.context["book_list"]) == 5

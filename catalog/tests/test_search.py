"""Search (issue 8): `search/?q=` finds books by every word typed, whatever is typed."""

import re

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Book
from catalog.search import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS

from .factories import AuthorFactory, BookFactory, GenreFactory

pytestmark = pytest.mark.django_db


def search(client, q, **params):
    response = client.get(reverse("search"), {"q": q, **params})
    assert response.status_code == 200
    return response


def found(client, q):
    return [book.title for book in search(client, q).context["book_list"]]


@pytest.fixture
def library():
    fantasy = GenreFactory(name="Fantasy")
    science = GenreFactory(name="Science Fiction")
    le_guin = AuthorFactory(first_name="Ursula", last_name="Le Guin")
    pratchett = AuthorFactory(first_name="Terry", last_name="Pratchett")
    return {
        "wizard": BookFactory(
            title="A Wizard of Earthsea", author=le_guin, isbn="9780547773742", genre=[fantasy]
        ),
        "dispossessed": BookFactory(
            title="The Dispossessed", author=le_guin, isbn="9780061054884", genre=[science]
        ),
        "mort": BookFactory(
            title="Mort", author=pratchett, isbn="9780552131063", genre=[fantasy, science]
        ),
    }


@pytest.mark.parametrize(
    ("q", "titles"),
    [
        ("earthsea", ["A Wizard of Earthsea"]),
        ("EARTHSEA", ["A Wizard of Earthsea"]),
        ("ursula", ["A Wizard of Earthsea", "The Dispossessed"]),
        ("guin", ["A Wizard of Earthsea", "The Dispossessed"]),
        ("TERRY", ["Mort"]),
        ("0552131063", ["Mort"]),
        ("fantasy", ["A Wizard of Earthsea", "Mort"]),
        ("science fiction", ["Mort", "The Dispossessed"]),
    ],
)
def test_search_matches_title_author_names_isbn_or_genre_ignoring_case(client, library, q, titles):
    assert sorted(found(client, q)) == titles


def test_search_needs_every_word_to_match_somewhere(client, library):
    assert found(client, "le guin fantasy") == ["A Wizard of Earthsea"]
    assert found(client, "pratchett science") == ["Mort"]
    assert found(client, "pratchett earthsea") == []


def test_search_lists_a_book_once_however_many_of_its_genres_match(client, library):
    assert found(client, "i") == ["A Wizard of Earthsea", "Mort", "The Dispossessed"]
    # "i" is in both of Mort's genres, in every word: still one line each.
    assert found(client, "i i i i i") == ["A Wizard of Earthsea", "Mort", "The Dispossessed"]


def test_each_extra_word_adds_no_join_to_the_search_query():
    """Only the author is joined; genres are looked up in a subquery per word."""

    # A join of the book-genre table per word multiplied each book's rows by its genres
    # once per word: ten short words took two minutes on a 10,000-book catalog.
    def outer_joins(q):
        return str(Book.objects.search(q).query).count("LEFT OUTER JOIN")

    assert outer_joins(" ".join(["e"] * SEARCH_MAX_WORDS)) == outer_joins("e") == 1


def test_search_does_not_look_in_the_summary(client):
    BookFactory(title="Mort", summary="Death takes an apprentice.")
    assert found(client, "apprentice") == []


def test_search_shows_how_many_books_were_found(client, library):
    content = search(client, "le guin").content.decode()
    assert "2 books found for <q>le guin</q>." in content
    assert "1 book found for <q>mort</q>." in search(client, "mort").content.decode()
    assert "0 books found for <q>nothing</q>." in search(client, "nothing").content.decode()


def test_search_results_link_to_each_book(client, library):
    content = search(client, "mort").content.decode()
    assert f'<a href="{library["mort"].get_absolute_url()}">Mort</a>' in content


def test_search_uses_the_search_results_template_and_book_list(client, library):
    response = search(client, "mort")
    assert "catalog/search_results.html" in [t.name for t in response.templates]
    assert response.context["is_paginated"] is False
    assert response.context["page_obj"].paginator.count == 1


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "   \t "}, {}])
def test_an_empty_query_shows_a_hint_and_no_books(client, library, params):
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    assert list(response.context["book_list"]) == []
    content = response.content.decode()
    assert 'class="hint"' in content
    assert "Every word must match" in content
    assert "found for" not in content
    assert "errorlist" not in content


@pytest.mark.parametrize(
    "q",
    [
        "%",
        "_",
        "%%",
        "%_%",
        "'",
        '"',
        "\\",
        "\\%",
        "' OR 1=1 --",
        "'; DROP TABLE catalog_book; --",
        "📚",
        "📚 🐉 🧙‍♀️",
        "كتاب الأرض",
        "ספר",
        "\u202eevil",
        "ß ǅ İ",
        "<script>alert(1)</script>",
        "{{ 7|add:1 }} {% now 'Y' %}",
        "\u00a0\u2003",
        "a\u0301",
        "\ufffd",
    ],
)
def test_any_characters_are_searched_literally_and_never_fail(client, library, q):
    response = search(client, q)
    assert list(response.context["book_list"]) == []
    content = response.content.decode()
    assert "<script>alert" not in content
    assert "Traceback" not in content


def test_percent_and_underscore_match_only_themselves(client):
    BookFactory(title="100% Pure")
    BookFactory(title="snake_case for beginners")
    BookFactory(title="Ordinary book")
    assert found(client, "%") == ["100% Pure"]
    assert found(client, "_") == ["snake_case for beginners"]
    assert found(client, "0%") == ["100% Pure"]


def test_quotes_backslashes_emoji_and_rtl_text_find_the_books_that_hold_them(client):
    BookFactory(title='The "Quoted" Book\'s \\ Path')
    BookFactory(title="Dragons 🐉 of the North")
    BookFactory(title="كتاب الأرض")
    assert found(client, '"quoted"') == ['The "Quoted" Book\'s \\ Path']
    assert found(client, "book's \\") == ['The "Quoted" Book\'s \\ Path']
    assert found(client, "🐉") == ["Dragons 🐉 of the North"]
    assert found(client, "الأرض") == ["كتاب الأرض"]


def test_the_query_is_escaped_where_the_page_shows_it(client):
    content = search(client, "<b>bold</b>").content.decode()
    assert "<b>bold</b>" not in content
    assert "&lt;b&gt;bold&lt;/b&gt;" in content


def test_a_nul_byte_is_refused_with_a_clear_message(client, library):
    response = client.get(reverse("search") + "?q=mo%00rt")
    assert response.status_code == 200
    assert list(response.context["book_list"]) == []
    content = response.content.decode()
    assert "Null characters are not allowed." in content
    assert "found for" not in content


@pytest.mark.parametrize("length", [SEARCH_MAX_LENGTH + 1, 10_000, 100_000])
def test_a_query_too_long_is_refused_with_a_clear_message(client, library, length):
    response = search(client, "m" * length)
    assert list(response.context["book_list"]) == []
    content = response.content.decode()
    assert f"Search for at most {SEARCH_MAX_LENGTH} characters (this search has {length})." in (
        content
    )
    assert "found for" not in content


def test_hundreds_of_words_are_refused_as_too_long(client, library):
    response = search(client, " ".join(["mort"] * 300))
    assert list(response.context["book_list"]) == []
    assert f"Search for at most {SEARCH_MAX_LENGTH} characters" in response.content.decode()


def test_a_query_at_the_length_limit_is_searched(client, library):
    q = ("mort " * 40)[:SEARCH_MAX_LENGTH]
    assert len(q) == SEARCH_MAX_LENGTH
    assert found(client, q) == ["Mort"]


def test_words_past_the_limit_are_left_out_and_the_page_says_so(client, library):
    words = ["mort"] * SEARCH_MAX_WORDS + ["earthsea", "dispossessed"]
    response = search(client, " ".join(words))
    assert [book.title for book in response.context["book_list"]] == ["Mort"]
    content = response.content.decode()
    assert f"Only the first {SEARCH_MAX_WORDS} words are searched for" in content
    assert "<q>earthsea dispossessed</q>" in content


def test_a_hundred_one_letter_words_never_fail(client, library):
    q = " ".join(["a"] * 100)
    assert len(q) <= SEARCH_MAX_LENGTH
    # "a" is in Earthsea's title, Ursula's name and Mort's genre, Fantasy.
    assert found(client, q) == ["A Wizard of Earthsea", "Mort", "The Dispossessed"]


def test_the_header_search_box_keeps_the_query_on_the_results_page(client, library):
    content = search(client, "le guin").content.decode()
    assert re.search(r'<input id="site-search-q"[^>]*value="le guin"', content, re.S)


# Pages of results


@pytest.fixture
def many_matches():
    return BookFactory.create_batch(
        30, title=factory.Sequence(lambda n: f"Discworld volume {n:02d}")
    )


def test_search_results_are_paginated_and_page_links_keep_the_query(client, many_matches):
    first = search(client, "discworld volume")
    assert first.context["is_paginated"]
    assert len(first.context["book_list"]) == 10
    content = first.content.decode()
    assert "Page 1 of 3." in content
    next_link = re.search(r'<a href="([^"]+)" rel="next">', content)[1]
    assert next_link == "?q=discworld+volume&amp;page=2"

    second = client.get(reverse("search") + next_link.replace("&amp;", "&"))
    assert second.status_code == 200
    assert second.context["page_obj"].number == 2
    assert "Page 2 of 3." in second.content.decode()
    shown_first = {book.pk for book in first.context["book_list"]}
    shown_second = {book.pk for book in second.context["book_list"]}
    assert shown_first.isdisjoint(shown_second)
    assert "previous" in second.content.decode()


def test_search_uses_the_visitors_page_size(client, many_matches):
    client.post(reverse("preferences"), {"page_size": "25"})
    response = search(client, "discworld")
    assert len(response.context["book_list"]) == 25
    assert "Page 1 of 2." in response.content.decode()
    assert "30 books found" in response.content.decode()


@pytest.mark.parametrize("page_number", ["abc", "999", "0", "-1", "1.5", "%00"])
def test_a_bad_page_number_is_not_found_rather_than_an_error(client, many_matches, page_number):
    response = client.get(reverse("search") + f"?q=discworld&page={page_number}")
    assert response.status_code == 404


def test_the_last_page_of_results_is_reachable_by_name(client, many_matches):
    response = search(client, "discworld", page="last")
    assert response.context["page_obj"].number == 3
    assert len(response.context["book_list"]) == 10


def test_search_costs_the_same_queries_for_one_result_as_for_a_full_page(
    client, django_assert_num_queries, django_assert_max_num_queries
):
    client.post(reverse("preferences"), {"page_size": "25"})
    BookFactory(title="Discworld volume 00", genre=[GenreFactory(name="Discworld")])
    with CaptureQueriesContext(connection) as one_result:
        search(client, "discworld volume")
    one = len(one_result.captured_queries)  # read now: each request empties the query log
    # Many more matches, each with authors and several matching genres.
    genres = GenreFactory.create_batch(3, name=factory.Sequence(lambda n: f"Discworld {n}"))
    BookFactory.create_batch(
        40, title=factory.Sequence(lambda n: f"Discworld volume {n + 1:02d}"), genre=genres
    )
    with django_assert_num_queries(one):
        response = search(client, "discworld volume")
    assert len(response.context["book_list"]) == 25
    # Page 2 of the same search reads its hits from the cache: no more queries, maybe fewer.
    with django_assert_max_num_queries(one):
        response = search(client, "discworld volume", page=2)
    assert len(response.context["book_list"]) == 16


@pytest.mark.parametrize(
    "typed", ["Dick, Philip", '"Ubik"', "Ubik.", "(dick)", "978-0-547-57231-4"]
)
def test_punctuation_around_words_and_isbn_hyphens_do_not_stop_a_match(client, typed):
    ubik = BookFactory(
        title="Ubik", author__first_name="Philip", author__last_name="Dick", isbn="9780547572314"
    )
    assert list(client.get(reverse("search"), {"q": typed}).context["book_list"]) == [ubik]


@pytest.mark.parametrize("typed", ["1914-1918", "(1914-1918)", "war 1914-1918"])
def test_visitor_finds_a_title_with_a_hyphenated_number_as_typed(client, typed):
    """A run of digits and hyphens may be an ISBN typed with hyphens, or a title's years."""
    war = BookFactory(title="The War of 1914-1918", isbn="9780000019140")
    BookFactory(title="The War of the Worlds", isbn="9780000019141")
    assert list(client.get(reverse("search"), {"q": typed}).context["book_list"]) == [war]


def test_both_search_boxes_stop_typing_at_the_searched_length(client):
    content = client.get(reverse("search"), {"q": "earthsea"}).content.decode()
    assert len(re.findall(rf'name="q" maxlength="{SEARCH_MAX_LENGTH}"', content)) == 2

"""PostgreSQL's search table (migration 0009): what only PostgreSQL can do to it.

The results themselves are checked on both databases in ../test_search_index.py.
"""

import pytest
from django.db import connection

from catalog.models import Book

from ..test_search_index import found, library, plain_match, titles  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("library")]


@pytest.mark.parametrize("table", ["catalog_book_genre", "catalog_genre"])
def test_genres_emptied_with_truncate_are_no_longer_found(table):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks left to run
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert titles("fantasy") == []
    assert titles("earthsea") == ["A Wizard of Earthsea"]
    assert found("fiction") == plain_match("fiction") == []


def test_a_short_word_reads_the_one_search_table_not_the_four_it_comes_from():
    ids = Book.objects.search("ic").order_by().values_list("pk")
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "catalog_book_search" in plan
    assert "catalog_book_genre" not in plan and "catalog_author" not in plan
    assert found("ic") == plain_match("ic") != []

"""The librarians' reports page: overdue, most borrowed, never borrowed, loans per month."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import reports
from catalog.models import BookInstance, Loan

from .factories import BookFactory, BookInstanceFactory, MemberFactory

pytestmark = pytest.mark.django_db

URL = reverse("reports")


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def lend(book, *, lent_days_ago, due_days_ago=None, returned=True, borrower=None):
    """A loan in the history: returned on its due date unless still open.

    An open loan's copy is on loan to its borrower until that date, as the desk leaves it.
    """
    due_days_ago = lent_days_ago - 21 if due_days_ago is None else due_days_ago
    borrower = borrower or MemberFactory()
    copy = BookInstanceFactory(book=book)
    if not returned:
        copy.status = BookInstance.LoanStatus.ON_LOAN
        copy.borrower = borrower
        copy.due_back = days_ago(due_days_ago)
        copy.save()
    return Loan.objects.create(
        copy=copy,
        borrower=borrower,
        lent_on=days_ago(lent_days_ago),
        due_back=days_ago(due_days_ago),
        returned_on=days_ago(due_days_ago) if returned else None,
    )


def csv_rows(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text, newline="")))


def test_overdue_loans_show_borrower_title_due_date_and_whole_days(librarian_client):
    book = BookFactory(title="Late Book")
    lend(
        book,
        lent_days_ago=30,
        due_days_ago=9,
        returned=False,
        borrower=MemberFactory(username="ann"),
    )
    lend(book, lent_days_ago=3, due_days_ago=-18, returned=False)  # open, not yet due
    lend(book, lent_days_ago=60, due_days_ago=40)  # returned
    response = librarian_client.get(URL)
    assert response.status_code == 200
    [(copy, days)] = response.context["overdue"]
    assert (copy.borrower.username, copy.book.title, days) == ("ann", "Late Book", 9)
    content = response.content.decode()
    assert "<td>ann</td>" in content and f"<td>{days_ago(9):%Y-%m-%d}</td>" in content
    assert "<td>9</td>" in content


def test_overdue_loans_of_a_deleted_account_still_show(librarian_client):
    loan = lend(BookFactory(), lent_days_ago=30, due_days_ago=2, returned=False)
    loan.borrower.delete()
    content = librarian_client.get(URL).content.decode()
    assert reports.DELETED_BORROWER in content


def test_a_copy_marked_on_loan_without_a_loan_row_shows_as_overdue(librarian_client):
    BookInstanceFactory(
        book=BookFactory(title="Marked In The Admin"),
        status=BookInstance.LoanStatus.ON_LOAN,
        borrower=MemberFactory(username="carol"),
        due_back=days_ago(3),
    )
    response = librarian_client.get(URL)
    overdue = [(copy.book.title, days) for copy, days in response.context["overdue"]]
    assert overdue == [("Marked In The Admin", 3)]
    assert "carol" in response.content.decode()


def test_overdue_loans_as_csv(librarian_client):
    loan = lend(BookFactory(title="=cmd|' /C calc'!A0"), lent_days_ago=30, due_days_ago=5,
                returned=False, borrower=MemberFactory(username="bob"))  # fmt: skip
    response = librarian_client.get(URL, {"format": "csv", "table": "overdue"})
    assert "overdue" in response["Content-Disposition"]
    assert csv_rows(response) == [
        ["borrower", "title", "copy", "due_back", "days_overdue"],
        ["bob", "'=cmd|' /C calc'!A0", str(loan.copy_id), f"{days_ago(5):%Y-%m-%d}", "5"],
    ]


def test_most_borrowed_counts_the_last_12_months_only(librarian_client):
    popular, second, old = BookFactory(title="Popular"), BookFactory(title="Second"), BookFactory()
    for _ in range(3):
        lend(popular, lent_days_ago=40)
    lend(second, lent_days_ago=10, returned=False, due_days_ago=-11)
    for _ in range(5):
        lend(old, lent_days_ago=400)
    lend(second, lent_days_ago=364)  # 12 months ago tomorrow: within them, whatever the day
    lend(old, lent_days_ago=366)
    response = librarian_client.get(URL)
    ranked = [(row["copy__book__title"], row["loans"]) for row in response.context["most_borrowed"]]
    assert ranked == [("Popular", 3), ("Second", 2)]
    rows = csv_rows(librarian_client.get(URL, {"format": "csv", "table": "most-borrowed"}))
    assert rows[0] == ["rank", "title", "author_last_name", "author_first_name", "isbn", "loans"]
    assert [row[1] for row in rows[1:]] == ["Popular", "Second"]


def test_most_borrowed_lists_twenty_books(librarian_client):
    for n in range(reports.MOST_BORROWED + 2):
        lend(BookFactory(), lent_days_ago=5 + n % 3, returned=False, due_days_ago=-10)
    assert len(librarian_client.get(URL).context["most_borrowed"]) == 20


def test_books_never_borrowed_are_listed_for_weeding(librarian_client):
    lent = BookFactory(title="Lent once")
    lend(lent, lent_days_ago=900)
    never = BookFactory(title="Never lent")
    BookInstanceFactory.create_batch(2, book=never)
    response = librarian_client.get(URL)
    assert [book.title for book in response.context["never_borrowed"]] == ["Never lent"]
    assert response.context["never_borrowed"][0].copies == 2
    rows = csv_rows(librarian_client.get(URL, {"format": "csv", "table": "never-borrowed"}))
    assert rows == [
        ["title", "author_last_name", "author_first_name", "isbn", "copies"],
        ["Never lent", never.author.last_name, never.author.first_name, never.isbn, "2"],
    ]


def test_a_book_marked_on_loan_without_a_loan_row_is_not_offered_for_weeding(librarian_client):
    BookInstanceFactory(
        book=BookFactory(title="Marked In The Admin"),
        status=BookInstance.LoanStatus.ON_LOAN,
        borrower=MemberFactory(),
        due_back=days_ago(-3),
    )
    BookInstanceFactory(book=BookFactory(title="On The Shelf"))
    response = librarian_client.get(URL)
    assert [book.title for book in response.context["never_borrowed"]] == ["On The Shelf"]


def test_long_tables_show_the_first_rows_and_the_count(librarian_client, monkeypatch):
    monkeypatch.setattr(reports, "SHOWN_ROWS", 3)
    BookFactory.create_batch(5)
    response = librarian_client.get(URL)
    assert len(response.context["never_borrowed"]) == 3
    assert "5 books never lent: the first 3 by title are shown" in response.content.decode()
    rows = csv_rows(librarian_client.get(URL, {"format": "csv", "table": "never-borrowed"}))
    assert len(rows) == 6


def test_loans_per_month_fill_the_last_12_months(librarian_client):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    lend(BookFactory(), lent_days_ago=0, returned=False, due_days_ago=-21)
    lend(BookFactory(), lent_days_ago=(today - this_month).days)  # first day of this month
    lend(BookFactory(), lent_days_ago=(today - reports.first_month(today)).days)
    lend(BookFactory(), lent_days_ago=(today - reports.first_month(today)).days + 1)  # too old
    months = librarian_client.get(URL).context["loans_per_month"]
    assert len(months) == 12
    assert months[0] == (reports.first_month(today), 1)
    assert months[-1] == (this_month, 2)
    assert sum(count for _, count in months) == 3
    rows = csv_rows(librarian_client.get(URL, {"format": "csv", "table": "loans-per-month"}))
    assert rows[0] == ["month", "loans"] and rows[-1] == [f"{this_month:%Y-%m}", "2"]


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (datetime.date(2026, 11, 30), datetime.date(2025, 12, 1)),
        (datetime.date(2026, 12, 1), datetime.date(2026, 1, 1)),
        (datetime.date(2027, 1, 15), datetime.date(2026, 2, 1)),
    ],
)
def test_the_twelve_months_end_with_this_month(today, first):
    assert reports.first_month(today) == first
    months = reports.month_starts(today)
    assert months[0] == first and months[-1] == today.replace(day=1) and len(months) == 12


def test_chart_is_inline_svg_with_a_title_and_a_text_table(librarian_client):
    lend(BookFactory(), lent_days_ago=0, returned=False, due_days_ago=-21)
    content = librarian_client.get(URL).content.decode()
    svg = re.search(r"<svg .*?</svg>", content, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="loans-chart-title' in svg
    assert '<title id="loans-chart-title">Loans per month' in svg
    assert len(re.findall(r"<rect ", svg)) == 12
    assert "style=" not in content and "<script" not in content
    assert re.search(r"<th scope=\"row\">[A-Z][a-z]+ \d{4}</th><td>1</td>", content)


def test_tallest_bar_fills_the_chart_and_empty_months_have_no_height():
    months = [(datetime.date(2026, m, 1), 0) for m in range(1, 13)]
    months[3] = (months[3][0], 7)
    months[4] = (months[4][0], 14)
    bars = reports.bar_chart(months)["bars"]
    plot_height = reports.CHART_HEIGHT - reports.CHART_TOP - reports.CHART_BOTTOM
    assert float(bars[4].height) == plot_height
    assert float(bars[3].height) == plot_height / 2
    assert bars[0].height == "0"
    assert (bars[0].label, bars[0].year) == ("Jan", "2026")
    assert (bars[1].label, bars[1].year) == ("Feb", "")


def test_all_tables_in_one_csv_file(librarian_client):
    response = librarian_client.get(URL, {"format": "csv"})
    rows = csv_rows(response)
    titles = [title for title, _ in reports.TABLES.values()]
    assert [row[0] for row in rows if len(row) == 1] == titles


def test_a_format_other_than_csv_shows_the_page(librarian_client):
    for value in ["html", "", "\x00", "CSV" * 1000, "json"]:
        response = librarian_client.get(URL, {"format": value})
        assert response.status_code == 200
        assert response.templates[0].name == "catalog/reports.html"


def test_an_unknown_table_is_404(librarian_client):
    assert librarian_client.get(URL, {"format": "csv", "table": "passwords"}).status_code == 404


def test_page_has_its_title_one_h1_and_is_not_cached(librarian_client):
    response = librarian_client.get(URL)
    content = response.content.decode()
    assert re.search(r"<title>\s*Reports", content)
    assert len(re.findall(r"<h1[\s>]", content)) == 1
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_queries_do_not_grow_with_the_loans(librarian_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert librarian_client.get(URL).status_code == 200
        return len(captured)

    lend(BookFactory(), lent_days_ago=30, due_days_ago=3, returned=False)
    BookFactory()
    few = queries()
    for n in range(30):
        book = BookFactory()
        lend(book, lent_days_ago=10 + n * 7, due_days_ago=n % 4, returned=n % 2 == 0)
        BookFactory()
    assert queries() == few


def test_only_librarians_see_the_reports_page_and_csv(librarians_only):
    librarians_only(URL)
    librarians_only(URL, format="csv")

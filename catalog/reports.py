"""The librarians' reports: what is overdue, what is popular, what nobody borrows (issue 16).

One page, each table also as CSV, and loans per month as a bar chart drawn here on the
server as inline SVG (no script, no style attribute: it works under the site's CSP). Every
query is bounded: a report costs the same number of queries however many loans it counts.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncMonth
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .catalog_io import csv_text, escape_cell
from .models import Book, BookInstance, Loan

MONTHS = 12
MOST_BORROWED = 20
# The page shows this many rows of a long table; its CSV has them all.
SHOWN_ROWS = 100
# The CSV of a long table reads this many rows per query.
CSV_CHUNK = 2000
DELETED_BORROWER = "(deleted account)"


def first_month(today):
    """The first day of the oldest of the last 12 months (this month is the 12th)."""
    months_back = today.year * 12 + today.month - 1 - (MONTHS - 1)
    return datetime.date(months_back // 12, months_back % 12 + 1, 1)


def year_ago(today):
    """The first day of the last 12 months counted back from today (a year ago tomorrow)."""
    try:
        same_day = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        same_day = today.replace(year=today.year - 1, day=28)
    return same_day + datetime.timedelta(days=1)


def month_starts(today):
    start = first_month(today)
    months = []
    for offset in range(MONTHS):
        index = start.year * 12 + start.month - 1 + offset
        months.append(datetime.date(index // 12, index % 12 + 1, 1))
    return months


# The queries.


def overdue_loans(today):
    """Copies on loan past their due date, the longest overdue first.

    Read from the copies, whose status, borrower and due date always agree with their open
    loan, so a copy marked on loan without a loan row (set in the admin, older data) counts.
    """
    return (
        BookInstance.objects.filter(status=BookInstance.LoanStatus.ON_LOAN, due_back__lt=today)
        .select_related("book", "borrower")
        .order_by("due_back", "id")
    )


def most_borrowed(since, limit=MOST_BORROWED):
    """The books lent most often since `since`, with their loan counts, in one query."""
    return list(
        Loan.objects.filter(lent_on__gte=since)
        .values(
            "copy__book_id",
            "copy__book__title",
            "copy__book__isbn",
            "copy__book__author__last_name",
            "copy__book__author__first_name",
        )
        .annotate(loans=Count("id"))
        .order_by("-loans", "copy__book__title", "copy__book_id")[:limit]
    )


def never_borrowed():
    """Books none of whose copies was ever lent (candidates for weeding), by title.

    A copy marked on loan without a loan row (set in the admin, older data) is lent too.
    """
    lent = Loan.objects.filter(copy__book=OuterRef("pk"))
    on_loan = BookInstance.objects.filter(
        book=OuterRef("pk"), status=BookInstance.LoanStatus.ON_LOAN
    )
    return (
        Book.objects.filter(~Exists(lent), ~Exists(on_loan))
        .select_related("author")
        .annotate(copies=Count("bookinstance"))
        .order_by("title", "id")
    )


def loans_per_month(today):
    """(first day of the month, loans lent that month) for each of the last 12 months."""
    counts = {
        row["month"]: row["loans"]
        for row in Loan.objects.filter(lent_on__gte=first_month(today), lent_on__lte=today)
        .annotate(month=TruncMonth("lent_on"))
        .values("month")
        .annotate(loans=Count("id"))
        .order_by()
    }
    # SQLite gives the month as a date, PostgreSQL too; be sure either way.
    counts = {(m.date() if isinstance(m, datetime.datetime) else m): n for m, n in counts.items()}
    return [(month, counts.get(month, 0)) for month in month_starts(today)]


# The chart.


@dataclass
class Bar:
    """One month's bar; coordinates as SVG numbers (strings, so no locale formats them)."""

    x: str
    y: str
    width: str
    height: str
    middle: str
    value_y: str
    label: str
    year: str  # under the first month and under each January
    value: int


CHART_WIDTH, CHART_HEIGHT = 720, 260
CHART_TOP, CHART_BOTTOM, CHART_LEFT, CHART_RIGHT = 24, 48, 16, 16


def svg_number(value):
    return f"{value:.1f}".removesuffix(".0")


def bar_chart(months):
    """The geometry of a bar chart of `months` ((date, count) pairs), in SVG user units."""
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    baseline = CHART_TOP + plot_height
    slot = plot_width / len(months)
    highest = max([count for _, count in months] + [1])
    bars = []
    for index, (month, count) in enumerate(months):
        height = plot_height * count / highest
        x = CHART_LEFT + index * slot + slot * 0.15
        bars.append(
            Bar(
                x=svg_number(x),
                y=svg_number(baseline - height),
                width=svg_number(slot * 0.7),
                height=svg_number(height),
                middle=svg_number(x + slot * 0.35),
                value_y=svg_number(baseline - height - 6),
                label=month.strftime("%b"),
                year=str(month.year) if index == 0 or month.month == 1 else "",
                value=count,
            )
        )
    return {
        "bars": bars,
        "view_box": f"0 0 {CHART_WIDTH} {CHART_HEIGHT}",
        "baseline": svg_number(baseline),
        "left": svg_number(CHART_LEFT),
        "right": svg_number(CHART_WIDTH - CHART_RIGHT),
        "label_y": svg_number(baseline + 18),
        "year_y": svg_number(baseline + 34),
    }


# The tables as CSV: a header and the rows, each read a chunk at a time.


def overdue_rows(today):
    yield ["borrower", "title", "copy", "due_back", "days_overdue"]
    for copy in overdue_loans(today).iterator(chunk_size=CSV_CHUNK):
        yield [
            copy.borrower.get_username() if copy.borrower else DELETED_BORROWER,
            copy.book.title,
            copy.pk,
            copy.due_back.isoformat(),
            (today - copy.due_back).days,
        ]


def most_borrowed_rows(today):
    yield ["rank", "title", "author_last_name", "author_first_name", "isbn", "loans"]
    for rank, row in enumerate(most_borrowed(year_ago(today)), start=1):
        yield [
            rank,
            row["copy__book__title"],
            row["copy__book__author__last_name"] or "",
            row["copy__book__author__first_name"] or "",
            row["copy__book__isbn"],
            row["loans"],
        ]


def never_borrowed_rows(today):
    yield ["title", "author_last_name", "author_first_name", "isbn", "copies"]
    for book in never_borrowed().iterator(chunk_size=CSV_CHUNK):
        author = book.author
        yield [
            book.title,
            author.last_name if author else "",
            author.first_name if author else "",
            book.isbn,
            book.copies,
        ]


def loans_per_month_rows(today):
    yield ["month", "loans"]
    for month, count in loans_per_month(today):
        yield [month.strftime("%Y-%m"), count]


# name in ?table=: (title, rows)
TABLES = {
    "overdue": ("Overdue loans", overdue_rows),
    "most-borrowed": ("Most borrowed books of the last 12 months", most_borrowed_rows),
    "never-borrowed": ("Books never borrowed", never_borrowed_rows),
    "loans-per-month": ("Loans per month", loans_per_month_rows),
}


def all_tables_rows(today):
    """Every table in one file, each under its title line, a blank line between them."""
    for index, (title, rows) in enumerate(TABLES.values()):
        if index:
            yield []
        yield [title]
        yield from rows(today)


def csv_response(rows, filename):
    escaped = ([escape_cell(cell) for cell in row] for row in rows)
    response = StreamingHttpResponse(csv_text(escaped), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The page.


def first_rows_and_count(queryset):
    """The first SHOWN_ROWS rows and how many there are (counted only when there are more)."""
    rows = list(queryset[:SHOWN_ROWS])
    return rows, len(rows) if len(rows) < SHOWN_ROWS else queryset.count()


@require_safe
@login_required
@permission_required("catalog.can_mark_returned", raise_exception=True)
@cache_control(private=True, no_store=True)
def reports(request):
    """The reports page; `?format=csv` (with `&table=<name>` for one table) as CSV."""
    today = timezone.localdate()
    if request.GET.get("format") == "csv":
        table = request.GET.get("table", "")
        if not table:
            return csv_response(all_tables_rows(today), f"reports-{today}.csv")
        if table not in TABLES:
            raise Http404("No such report. Choose one of: " + ", ".join(TABLES))
        return csv_response(TABLES[table][1](today), f"{table}-{today}.csv")

    overdue, overdue_count = first_rows_and_count(overdue_loans(today))
    never, never_count = first_rows_and_count(never_borrowed())
    for_months = loans_per_month(today)
    context = {
        "today": today,
        "since": first_month(today),
        "overdue": [(copy, (today - copy.due_back).days) for copy in overdue],
        "overdue_count": overdue_count,
        "popular_since": year_ago(today),
        "most_borrowed": most_borrowed(year_ago(today)),
        "never_borrowed": never,
        "never_borrowed_count": never_count,
        "loans_per_month": for_months,
        "loans_in_months": sum(count for _, count in for_months),
        "chart": bar_chart(for_months),
        "shown_rows": SHOWN_ROWS,
        "most_borrowed_limit": MOST_BORROWED,
        "deleted_borrower": DELETED_BORROWER,
    }
    return render(request, "catalog/reports.html", context)

"""The site's pages, each with a way to fill it with n rows: one registry for every test
that walks the same pages (query counts, page sizes, the preferences link).

`make(client, n)` creates the rows the page shows (for a visitor's own pages, rows that
belong to the user logged in on `client`) and returns the URL to visit.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import MAX_ACTIVE_HOLDS, Book, BookInstance, Genre, Hold, Loan

from . import factories

# Who can open a page: everyone, a logged-in user, or a holder of can_mark_returned.
EVERYONE = ("anonymous", "anonymous_with_session", "member", "librarian")
LOGGED_IN = ("member", "librarian")
LIBRARIANS = ("librarian",)


@dataclass(frozen=True)
class Page:
    name: str
    make: Callable
    visitors: tuple = EVERYONE
    # A paginated list that shows the visitor's chosen page size.
    is_list: bool = False


def become(client, visitor):
    """Make `client` this kind of visitor (one of EVERYONE); a visitor with a session has
    visited before."""
    if visitor == "member":
        client.force_login(factories.MemberFactory())
    elif visitor == "librarian":
        client.force_login(factories.LibrarianFactory())
    if visitor != "anonymous":
        session = client.session
        session["num_visits"] = 3
        session.save()


def become_allowed(client, page):
    """Make `client` the least privileged visitor who may open `page`."""
    become(client, page.visitors[0])


def logged_in_user(client):
    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def readers():
    """Three patrons to lend copies to (making a user per copy would be slow)."""
    found = list(get_user_model().objects.filter(username__startswith="reader"))
    return found or [factories.MemberFactory(username=f"reader{i}") for i in range(3)]


def lend_copies(n):
    """n copies on loan to the readers, due from n/2 days ago to n/2 days ahead."""
    borrowers = readers()
    for i in range(n):
        factories.LoanedCopyFactory(
            borrower=borrowers[i % len(borrowers)], due_back=days_from_today(i - n // 2)
        )


def view_books(client, n):
    """Fill the visitor's `recently_viewed` with the n newest books."""
    for book in Book.objects.order_by("-pk")[:n]:
        client.get(book.get_absolute_url())


def home_page(client, n):
    """The home page with n notices shown and (up to 5) of n books recently viewed."""
    factories.SiteNoticeFactory.create_batch(n)
    factories.BookFactory.create_batch(n)
    view_books(client, min(n, 5))
    return reverse("index")


def rows_of(factory, url_name):
    """A list page's maker: n rows from `factory`."""

    def make(client, n):
        factory.create_batch(n)
        return reverse(url_name)

    return make


def copies(client, n):
    factories.BookInstanceFactory.create_batch(n, book=factories.BookFactory())
    return reverse("bookinstances")


def search(client, n):
    """n books found by two words that match in different fields (author and genre)."""
    author = factories.AuthorFactory(last_name="Pratchett")
    genre, _ = Genre.objects.get_or_create(name="Fantasy")
    factories.BookFactory.create_batch(n, author=author, genre=[genre])
    return reverse("search") + "?q=pratchett+fantasy"


def book_detail(client, n):
    """A book with n copies (one more on loan) and n genres."""
    book = factories.BookFactory(genre=factories.GenreFactory.create_batch(n))
    factories.BookInstanceFactory.create_batch(n, book=book)
    factories.LoanedCopyFactory(book=book)
    return book.get_absolute_url()


def author_detail(client, n):
    author = factories.AuthorFactory()
    factories.BookFactory.create_batch(n, author=author)
    return author.get_absolute_url()


def genre_detail(client, n):
    genre = factories.GenreFactory()
    factories.BookFactory.create_batch(n, genre=[genre])
    return genre.get_absolute_url()


def language_detail(client, n):
    language = factories.LanguageFactory()
    factories.BookFactory.create_batch(n, language=language)
    return language.get_absolute_url()


def copy_detail(client, n):
    """A copy on loan whose book has n genres."""
    return factories.LoanedCopyFactory(
        book=factories.BookFactory(genre=factories.GenreFactory.create_batch(n))
    ).get_absolute_url()


def notices(client, n):
    """Any page (here the genre list) under n notices."""
    factories.SiteNoticeFactory.create_batch(n)
    factories.GenreFactory()
    return reverse("genres")


def my_borrowed(client, n):
    """n copies on loan to the logged-in visitor (some overdue), and one to someone else."""
    user = logged_in_user(client)
    for i in range(n):
        factories.LoanedCopyFactory(borrower=user, due_back=days_from_today(i - n // 2))
    factories.LoanedCopyFactory(borrower=readers()[0])
    return reverse("my-borrowed")


def all_borrowed(client, n):
    lend_copies(n)
    return reverse("all-borrowed")


def renew(client, n):
    """The renew form for one copy among n on loan."""
    lend_copies(n)
    return reverse(
        "renew-book-librarian", args=[factories.LoanedCopyFactory(borrower=readers()[0]).pk]
    )


# Circulation and holds (issues 14 and 15): real loans and holds, as the desk makes them.


def returned_loans(borrower, n, copy=None):
    """n past loans of `borrower` (of one copy, or of n new copies)."""
    copies = [copy] * n if copy else factories.BookInstanceFactory.create_batch(n)
    Loan.objects.bulk_create(
        Loan(
            copy=copies[i],
            borrower=borrower,
            lent_on=days_from_today(-30 - i),
            due_back=days_from_today(-9 - i),
            returned_on=days_from_today(-10 - i),
        )
        for i in range(n)
    )


def desk(client, n):
    """The desk showing a copy on loan with n past loans, whose book n patrons wait for."""
    copy = factories.BookInstanceFactory()
    returned_loans(readers()[0], n, copy=copy)
    services.lend_copy(copy=copy, borrower=readers()[1], due_back=days_from_today(7))
    for _ in range(n):
        Hold.objects.create(book=copy.book, patron=factories.MemberFactory())
    return f"{reverse('circulation-desk')}?copy={copy.pk}"


def patron_detail(client, n):
    """One patron with n more copies on loan, n more past loans and (at most 5) holds."""
    patron = factories.MemberFactory(username="desk-patron")
    for _ in range(n):
        services.lend_copy(
            copy=factories.BookInstanceFactory(), borrower=patron, due_back=days_from_today(7)
        )
    returned_loans(patron, n)
    for _ in range(min(n, MAX_ACTIVE_HOLDS - patron.holds.count())):
        Hold.objects.create(book=factories.BookFactory(), patron=patron)
    return reverse("patron-detail", args=[patron.pk])


def my_history(client, n):
    returned_loans(logged_in_user(client), n)
    returned_loans(readers()[0], 1)
    return reverse("my-history")


def my_holds(client, n):
    """The visitor's holds: the most allowed is 5, one of them ready."""
    user = logged_in_user(client)
    for i in range(min(n, MAX_ACTIVE_HOLDS - user.holds.count())):
        book = factories.BookFactory()
        if i == 0:
            services.place_hold(book=factories.BookInstanceFactory(book=book).book, patron=user)
        else:
            Hold.objects.create(book=book, patron=user)
    return reverse("my-holds")


def all_holds(client, n):
    """n holds, every third ready (a copy set aside), the others waiting in queues."""
    patrons = readers()
    holds = []
    for i in range(n):
        patron = patrons[i % len(patrons)]
        if i % 3 == 0:
            copy = factories.BookInstanceFactory(
                status=BookInstance.LoanStatus.RESERVED, borrower=patron
            )
            holds.append(
                Hold(book=copy.book, patron=patron, copy=copy, ready_on=days_from_today(-1))
            )
        else:
            holds.append(Hold(book=factories.BookFactory(), patron=patron))
    Hold.objects.bulk_create(holds)
    return reverse("all-holds")


PAGES = {
    page.name: page
    for page in [
        Page("index", home_page),
        Page("books", rows_of(factories.BookFactory, "books"), is_list=True),
        Page("authors", rows_of(factories.AuthorFactory, "authors"), is_list=True),
        Page("genres", rows_of(factories.GenreFactory, "genres"), is_list=True),
        Page("languages", rows_of(factories.LanguageFactory, "languages"), is_list=True),
        Page("bookinstances", copies, is_list=True),
        Page("search", search, is_list=True),
        Page("book-detail", book_detail),
        Page("author-detail", author_detail),
        Page("genre-detail", genre_detail),
        Page("language-detail", language_detail),
        Page("bookinstance-detail", copy_detail),
        Page("notices", notices),
        Page("my-borrowed", my_borrowed, visitors=LOGGED_IN, is_list=True),
        Page("all-borrowed", all_borrowed, visitors=LIBRARIANS, is_list=True),
        Page("renew-book-librarian", renew, visitors=LIBRARIANS),
        Page("circulation-desk", desk, visitors=LIBRARIANS),
        Page("patron-detail", patron_detail, visitors=LIBRARIANS, is_list=True),
        Page("my-history", my_history, visitors=LOGGED_IN, is_list=True),
        Page("my-holds", my_holds, visitors=LOGGED_IN),
        Page("all-holds", all_holds, visitors=LIBRARIANS, is_list=True),
    ]
}

LISTS = [name for name, page in PAGES.items() if page.is_list]

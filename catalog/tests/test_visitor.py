"""What the session remembers for a visitor (issue 8): page size, dismissed notices,
recently viewed books. Tutorial part 7's own examples, made real, for anonymous visitors
as for members; each browser keeps its own, and garbage in the session never gives a 500.

`catalog.visitor` works on any dict-like session, so its rules are tested directly with
plain dicts; the HTTP tests check that the pages use them.
"""

import datetime
import json
import re
import zoneinfo

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import visitor
from catalog.models import Book

from .factories import BookFactory, LoanedCopyFactory, MemberFactory, SiteNoticeFactory
from .pages import LISTS, PAGES, become_allowed

pytestmark = pytest.mark.django_db

# Values an old release, a bug or a hand-edited session row could have left behind.
GARBAGE = [
    "50",
    "1,2,3",
    7,
    -3,
    0,
    True,
    None,
    2.5,
    10**30,
    [[1, 2], [3]],
    ["1", "2"],
    [True, False],
    [-1, 0, -99],
    [1.0, 2.5],
    [10**30, 2**63, 2**64],
    {"1": 1},
    {"pk": [1, 2]},
    list(range(1, 5000)),
]


def store(client, **values):
    """Put values in this browser's session, as an earlier visit would have."""
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def notice_texts(response):
    return re.findall(r'<aside class="notice"[^>]*>\s*<p>(.*?)</p>', response.content.decode())


def dismiss(client, notice, next_url=None):
    data = {} if next_url is None else {"next": next_url}
    return client.post(reverse("dismiss-notice", args=[notice.pk]), data)


class WriteRecordingSession(dict):
    """A session that remembers which keys were written (a write costs a database query)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.written = []

    def __setitem__(self, key, value):
        self.written.append(key)
        super().__setitem__(key, value)


# Visit counter (the home page's, tutorial part 7)


def test_count_visit_counts_a_first_visit_as_one():
    session = {}
    assert visitor.count_visit(session) == 1
    assert session == {"num_visits": 1}


def test_count_visit_adds_this_visit_to_the_stored_count():
    session = {"num_visits": 3}
    assert visitor.count_visit(session) == 4
    assert session["num_visits"] == 4


@pytest.mark.parametrize("garbage", GARBAGE)
def test_count_visit_starts_again_at_one_after_garbage(garbage):
    session = {"num_visits": garbage}
    expected = garbage + 1 if type(garbage) is int and garbage >= 0 else 1
    assert visitor.count_visit(session) == expected
    assert session["num_visits"] == expected


# Page size: the rules


def test_page_size_is_ten_when_none_is_stored():
    assert visitor.page_size({}) == 10


@pytest.mark.parametrize("size", [10, 25, 50, 100])
def test_page_size_is_the_stored_choice(size):
    assert visitor.page_size({"page_size": size}) == size


@pytest.mark.parametrize("garbage", [*GARBAGE, 10.0, 25.0, False])
def test_page_size_falls_back_to_ten_for_anything_not_offered(garbage):
    assert visitor.page_size({"page_size": garbage}) == 10


def test_set_page_size_stores_an_integer():
    session = {}
    visitor.set_page_size(session, "25")
    assert session == {"page_size": 25}
    assert type(session["page_size"]) is int


# Notices: the rules


def test_dismiss_notice_appends_its_pk():
    session = {}
    visitor.dismiss_notice(session, 7)
    visitor.dismiss_notice(session, 3)
    assert session["dismissed_notices"] == [7, 3]
    assert visitor.dismissed_notices(session) == [7, 3]


def test_dismissing_twice_keeps_the_notice_once_and_writes_nothing_new():
    session = WriteRecordingSession(dismissed_notices=[7])
    visitor.dismiss_notice(session, 7)
    assert session["dismissed_notices"] == [7]
    assert session.written == []


@pytest.mark.parametrize("garbage", GARBAGE)
def test_dismiss_notice_replaces_garbage_with_a_clean_list(garbage):
    session = {"dismissed_notices": garbage}
    kept = visitor.dismissed_notices(session)
    assert all(type(pk) is int and 0 < pk <= visitor.MAX_PK for pk in kept)
    visitor.dismiss_notice(session, 42)
    assert session["dismissed_notices"][-1] == 42
    assert all(type(pk) is int and 0 < pk <= visitor.MAX_PK for pk in session["dismissed_notices"])


def test_dismissed_notices_keep_the_positive_integers_of_a_mixed_list():
    stored = [3, "4", -1, 0, True, 2.0, None, [5], 2**64, 6]
    assert visitor.dismissed_notices({"dismissed_notices": stored}) == [3, 6]


def test_the_dismissed_list_stays_bounded_keeping_the_newest():
    limit = visitor.DISMISSED_NOTICES_LIMIT
    session = {"dismissed_notices": list(range(1, limit + 50))}
    assert len(visitor.dismissed_notices(session)) == limit
    visitor.dismiss_notice(session, 999_999)
    assert len(session["dismissed_notices"]) == limit
    assert session["dismissed_notices"][-1] == 999_999
    assert session["dismissed_notices"][0] == 51  # 1..149 stored: the oldest 51 went


# Recently viewed: the rules


def test_remember_viewed_puts_the_book_first():
    session = {}
    visitor.remember_viewed(session, 1)
    visitor.remember_viewed(session, 2)
    assert visitor.recently_viewed(session) == [2, 1]


def test_viewing_a_book_again_moves_it_to_the_front_without_repeats():
    session = {"recently_viewed": [3, 2, 1]}
    visitor.remember_viewed(session, 1)
    assert session["recently_viewed"] == [1, 3, 2]


def test_viewing_the_newest_book_again_writes_nothing():
    session = WriteRecordingSession(recently_viewed=[3, 2, 1])
    visitor.remember_viewed(session, 3)
    assert session.written == []


def test_recently_viewed_keeps_the_five_newest():
    session = {}
    for pk in range(1, 8):
        visitor.remember_viewed(session, pk)
    assert session["recently_viewed"] == [7, 6, 5, 4, 3]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_remember_viewed_replaces_garbage_with_a_clean_list_the_book_first(garbage):
    session = {"recently_viewed": garbage}
    assert all(type(pk) is int and pk > 0 for pk in visitor.recently_viewed(session))
    visitor.remember_viewed(session, 42)
    remembered = session["recently_viewed"]
    assert remembered[0] == 42
    assert len(remembered) <= 5
    assert all(type(pk) is int and 0 < pk <= visitor.MAX_PK for pk in remembered)


# Page size


def test_preferences_page_offers_the_four_page_sizes(client):
    response = client.get(reverse("preferences"))
    assert response.status_code == 200
    assert "catalog/preferences.html" in [t.name for t in response.templates]
    options = re.findall(r'<option value="(\d+)"', response.content.decode())
    assert options == ["10", "25", "50", "100"]


@pytest.mark.parametrize("size", [10, 25, 50, 100])
def test_choosing_a_page_size_stores_it_as_an_integer(client, size):
    response = client.post(reverse("preferences"), {"page_size": str(size)}, follow=True)
    assert response.redirect_chain == [(reverse("preferences"), 302)]
    assert client.session["page_size"] == size
    assert type(client.session["page_size"]) is int
    assert f"Lists now show {size} results per page." in response.content.decode()


def test_preferences_page_shows_the_current_choice(client):
    store(client, page_size=50)
    content = client.get(reverse("preferences")).content.decode()
    assert re.search(r'<option value="50" selected>', content)


@pytest.mark.parametrize("value", ["7", "abc", "1000", "", "25.0", "-10", "0", "10 0"])
def test_a_page_size_not_offered_is_a_form_error_and_changes_nothing(client, value):
    store(client, page_size=25)
    response = client.post(reverse("preferences"), {"page_size": value})
    assert response.status_code == 200
    assert response.context["form"].errors["page_size"]
    assert 'class="errorlist' in response.content.decode()
    assert client.session["page_size"] == 25


def test_a_page_size_sent_by_a_new_visitor_with_no_value_stores_nothing(client):
    response = client.post(reverse("preferences"), {})
    assert response.status_code == 200
    assert "page_size" not in client.session


def test_a_bad_stored_page_size_falls_back_to_ten_without_an_error(client):
    BookFactory.create_batch(12)
    store(client, page_size="50")
    response = client.get(reverse("books"))
    assert response.status_code == 200
    assert response.context["paginator"].per_page == 10
    preferences = client.get(reverse("preferences"))
    assert preferences.status_code == 200
    assert not preferences.context["form"].errors
    assert re.search(r'<option value="10" selected>', preferences.content.decode())


def fill(client, page_name, rows):
    """`rows` rows for a list page, the visitor logged in where the page needs it."""
    page = PAGES[page_name]
    become_allowed(client, page)
    return page.make(client, rows)


@pytest.mark.parametrize("page_name", LISTS)
def test_every_list_page_uses_the_chosen_page_size(client, page_name):
    url = fill(client, page_name, 30)
    client.post(reverse("preferences"), {"page_size": "25"})
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["paginator"].per_page == 25
    assert len(response.context["page_obj"].object_list) == 25
    assert "Page 1 of 2." in response.content.decode()


@pytest.mark.parametrize("page_name", LISTS)
def test_every_list_page_uses_ten_per_page_by_default(client, page_name):
    url = fill(client, page_name, 11)
    response = client.get(url)
    assert response.context["paginator"].per_page == 10
    assert len(response.context["page_obj"].object_list) == 10


@pytest.mark.parametrize("rows", [0, 1, 11])
@pytest.mark.parametrize("page_name", LISTS)
def test_every_list_page_links_to_the_preferences_page(client, page_name, rows):
    url = fill(client, page_name, rows)
    content = client.get(url).content.decode()
    pagination = re.search(r'<nav class="pagination".*?</nav>', content, re.S).group(0)
    assert f'href="{reverse("preferences")}?next=' in pagination
    assert "10 per page" in pagination


@pytest.mark.parametrize(
    "came_from, back_to",
    [
        ("/catalog/books/?page=3", "/catalog/books/"),
        ("/catalog/search/?q=dune&page=2", "/catalog/search/?q=dune"),
        ("https://evil.example/", "/catalog/preferences/"),
        ("//evil.example/", "/catalog/preferences/"),
    ],
)
def test_choosing_a_page_size_returns_to_the_first_page_of_the_list(client, came_from, back_to):
    link = client.get(reverse("preferences"), {"next": came_from})
    assert link.status_code == 200
    response = client.post(reverse("preferences"), {"page_size": "25", "next": came_from})
    assert response.status_code == 302
    assert response["Location"] == back_to
    assert client.session["page_size"] == 25


def test_the_list_s_preferences_link_brings_the_visitor_back(client):
    BookFactory.create_batch(12)
    content = client.get(reverse("books"), {"page": 2}).content.decode()
    link = re.search(r'class="page-size-link" href="([^"]+)"', content).group(1)
    assert link == "/catalog/preferences/?next=/catalog/books/%3Fpage%3D2"
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'name="next" value="/catalog/books/?page=2"' in form


def test_the_sidebar_links_to_the_preferences_page(client):
    content = client.get(reverse("index")).content.decode()
    sidebar = re.search(r'<nav class="sidebar".*?</nav>', content, re.S).group(0)
    assert f'href="{reverse("preferences")}"' in sidebar


def test_a_member_chooses_a_page_size_like_anyone_else(member_client):
    BookFactory.create_batch(30)
    member_client.post(reverse("preferences"), {"page_size": "50"})
    assert len(member_client.get(reverse("books")).context["book_list"]) == 30


# Notices


def test_an_active_notice_shows_with_a_dismiss_button_that_posts(client):
    notice = SiteNoticeFactory(text="Closed on Monday")
    content = client.get(reverse("books")).content.decode()
    assert "Closed on Monday" in content
    form = re.search(
        r'<form method="post" action="{}">(.*?)</form>'.format(
            re.escape(reverse("dismiss-notice", args=[notice.pk]))
        ),
        content,
        re.S,
    )
    assert form
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert f'name="next" value="{reverse("books")}"' in form.group(1)


def test_dismissing_a_notice_hides_it_and_returns_to_the_page_the_visitor_was_on(client):
    notice = SiteNoticeFactory(text="Closed on Monday")
    BookFactory.create_batch(11)
    second_page = reverse("books") + "?page=2"
    response = dismiss(client, notice, next_url=second_page)
    assert response.status_code == 302
    assert response.url == second_page
    assert client.session["dismissed_notices"] == [notice.pk]
    assert "Closed on Monday" not in client.get(second_page).content.decode()


def test_dismissing_without_a_next_page_returns_to_the_home_page(client):
    response = dismiss(client, SiteNoticeFactory())
    assert response.status_code == 302
    assert response.url == reverse("index")


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "http://evil.example/catalog/",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "http://testserver.evil.example/",
        "https:evil.example",
    ],
)
def test_dismissing_follows_only_a_same_site_next(client, next_url):
    response = dismiss(client, SiteNoticeFactory(), next_url=next_url)
    assert response.status_code == 302
    assert response.url == reverse("index")


def test_dismissing_ignores_even_a_full_url_of_this_site(client):
    """Only a path is followed (CONTRACT "Security of the accounts"): the site sends no URLs."""
    response = dismiss(client, SiteNoticeFactory(), next_url="https://testserver/catalog/books/")
    assert response.url == reverse("index")


def test_dismissing_by_get_is_not_allowed_and_changes_nothing(client):
    notice = SiteNoticeFactory(text="Closed on Monday")
    response = client.get(reverse("dismiss-notice", args=[notice.pk]))
    assert response.status_code == 405
    assert "This address is a button" in response.content.decode()
    assert "dismissed_notices" not in client.session
    assert "Closed on Monday" in client.get(reverse("index")).content.decode()


def test_dismissing_needs_the_csrf_token(csrf_client, csrf_token):
    notice = SiteNoticeFactory(text="Closed on Monday")
    browser = csrf_client
    token = csrf_token(browser.get(reverse("index")))
    url = reverse("dismiss-notice", args=[notice.pk])

    assert browser.post(url, {"next": "/catalog/"}).status_code == 403
    assert "dismissed_notices" not in browser.session

    response = browser.post(url, {"next": "/catalog/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert browser.session["dismissed_notices"] == [notice.pk]


def test_dismissing_an_unknown_notice_is_404_and_stores_nothing(client):
    response = client.post(reverse("dismiss-notice", args=[987654]))
    assert response.status_code == 404
    assert "dismissed_notices" not in client.session


def test_a_dismissed_notice_stays_hidden_after_it_is_edited(client):
    notice = SiteNoticeFactory(text="Closed on Monday")
    dismiss(client, notice)
    notice.text = "Closed on Monday and Tuesday"
    notice.save()
    assert notice_texts(client.get(reverse("index"))) == []


def test_a_new_notice_shows_although_an_older_one_was_dismissed(client):
    old = SiteNoticeFactory(text="Closed on Monday")
    dismiss(client, old)
    SiteNoticeFactory(text="New opening hours")
    assert notice_texts(client.get(reverse("index"))) == ["New opening hours"]


def test_a_dismissed_notice_stays_hidden_after_logging_in(client, member, log_in):
    notice = SiteNoticeFactory(text="Closed on Monday")
    dismiss(client, notice)
    anonymous_key = client.session.session_key
    assert log_in(client, member).status_code == 302
    # Django rotates the session key at login, and keeps what the session held.
    assert client.session.session_key != anonymous_key
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.session["dismissed_notices"] == [notice.pk]
    assert notice_texts(client.get(reverse("index"))) == []


def test_a_dismissed_notice_is_hidden_for_that_browser_only(client):
    notice = SiteNoticeFactory(text="Closed on Monday")
    dismiss(client, notice)
    assert notice_texts(client.get(reverse("index"))) == []
    assert notice_texts(Client().get(reverse("index"))) == ["Closed on Monday"]


def test_an_inactive_notice_is_never_shown(client):
    SiteNoticeFactory(text="Draft notice", active=False)
    SiteNoticeFactory(
        text="Dated draft",
        active=False,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    assert notice_texts(client.get(reverse("index"))) == []


@pytest.mark.parametrize(
    ("starts", "ends", "shown"),
    [
        (None, None, True),
        (0, 0, True),
        (-3, 3, True),
        (-3, None, True),
        (None, 3, True),
        (1, None, False),
        (1, 5, False),
        (None, -1, False),
        (-5, -1, False),
    ],
)
def test_a_dated_notice_shows_only_between_its_dates(client, starts, ends, shown):
    today = timezone.localdate()

    def day(offset):
        return None if offset is None else today + datetime.timedelta(days=offset)

    SiteNoticeFactory(text="Dated", starts_on=day(starts), ends_on=day(ends))
    assert notice_texts(client.get(reverse("index"))) == (["Dated"] if shown else [])


def test_notice_dates_follow_the_library_local_date(client):
    # Kiritimati (UTC+14) and Pago Pago (UTC-11) are always on different dates.
    kiritimati_today = timezone.localdate(timezone=zoneinfo.ZoneInfo("Pacific/Kiritimati"))
    SiteNoticeFactory(text="Today only", starts_on=kiritimati_today, ends_on=kiritimati_today)
    with override_settings(TIME_ZONE="Pacific/Kiritimati"):
        assert notice_texts(client.get(reverse("index"))) == ["Today only"]
    with override_settings(TIME_ZONE="Pacific/Pago_Pago"):
        assert notice_texts(client.get(reverse("index"))) == []


def test_notices_show_newest_first(client):
    SiteNoticeFactory(text="Older")
    SiteNoticeFactory(text="Newer")
    assert notice_texts(client.get(reverse("index"))) == ["Newer", "Older"]


def test_garbage_dismissed_notices_never_break_a_page(client):
    SiteNoticeFactory(text="Closed on Monday")
    store(client, dismissed_notices=[[1, 2], "3", -1])
    response = client.get(reverse("books"))
    assert response.status_code == 200
    # Dismissing still works, and replaces the garbage with a clean list.
    notice = SiteNoticeFactory(text="Another")
    assert dismiss(client, notice).status_code == 302
    assert notice.pk in client.session["dismissed_notices"]
    assert all(type(pk) is int for pk in client.session["dismissed_notices"])


# Recently viewed


def view(client, *books):
    for book in books:
        assert client.get(book.get_absolute_url()).status_code == 200


def recently_viewed_titles(client):
    response = client.get(reverse("index"))
    assert response.status_code == 200
    return [book.title for book in response.context["recently_viewed"]]


def test_viewing_a_book_puts_it_first_in_recently_viewed(client):
    first, second = BookFactory.create_batch(2)
    view(client, first, second)
    assert client.session["recently_viewed"] == [second.pk, first.pk]


def test_an_unknown_book_is_not_remembered(client):
    assert client.get(reverse("book-detail", args=[987654])).status_code == 404
    assert "recently_viewed" not in client.session


def test_the_home_page_lists_recently_viewed_books_as_links_newest_first(client):
    first = BookFactory(title="Mort")
    second = BookFactory(title="Sourcery")
    view(client, first, second)
    response = client.get(reverse("index"))
    assert [book.pk for book in response.context["recently_viewed"]] == [second.pk, first.pk]
    content = response.content.decode()
    section = re.search(r'<ul class="recently-viewed">(.*?)</ul>', content, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', section)
    assert links == [(second.get_absolute_url(), "Sourcery"), (first.get_absolute_url(), "Mort")]


def test_the_home_page_without_history_shows_no_recently_viewed_list(client):
    response = client.get(reverse("index"))
    assert response.context["recently_viewed"] == []
    assert "Recently viewed" not in response.content.decode()


def test_deleted_books_are_skipped_on_the_home_page(client):
    kept, deleted = BookFactory.create_batch(2)
    view(client, kept, deleted)
    deleted.delete()
    assert recently_viewed_titles(client) == [kept.title]


def test_the_home_page_reads_recently_viewed_books_in_one_query_however_many(
    client, django_assert_num_queries
):
    books = BookFactory.create_batch(5)
    view(client, books[0])
    client.get(reverse("index"))  # fills the catalog's caches, as the visit below finds them
    with CaptureQueriesContext(connection) as one_book:
        client.get(reverse("index"))
    one = len(one_book.captured_queries)  # read now: each request empties the query log
    view(client, *books)
    with django_assert_num_queries(one) as five_books:
        response = client.get(reverse("index"))
    assert len(response.context["recently_viewed"]) == 5
    book_lists = [q["sql"] for q in five_books.captured_queries if "catalog_book" in q["sql"]]
    assert len([sql for sql in book_lists if '"catalog_book"."id" IN' in sql]) == 1


def test_garbage_in_recently_viewed_never_breaks_a_page(client):
    book = BookFactory()
    store(client, recently_viewed=[10**30, "2", [1]])
    response = client.get(reverse("index"))
    assert response.status_code == 200
    assert all(isinstance(b, Book) for b in response.context["recently_viewed"])
    # Viewing a book replaces the garbage with a clean list, the book first.
    view(client, book)
    remembered = client.session["recently_viewed"]
    assert remembered == [book.pk]


def test_garbage_in_every_remembered_value_never_breaks_a_page(client):
    """The rules above, wired in: pages read the session only through catalog.visitor."""
    SiteNoticeFactory()
    BookFactory()
    for garbage in GARBAGE:
        store(
            client,
            num_visits=garbage,
            page_size=garbage,
            dismissed_notices=garbage,
            recently_viewed=garbage,
        )
        assert client.get(reverse("index")).status_code == 200, garbage
        assert client.get(reverse("books")).status_code == 200, garbage
        assert client.get(reverse("preferences")).status_code == 200, garbage


# Two browsers, and what the session holds


def test_two_browsers_never_see_each_others_preferences_notices_or_history():
    BookFactory.create_batch(30)
    first_book, second_book = Book.objects.all()[:2]
    notice = SiteNoticeFactory(text="Closed on Monday")
    alice, bob = Client(), Client()

    alice.post(reverse("preferences"), {"page_size": "25"})
    dismiss(alice, notice)
    view(alice, first_book)
    bob.post(reverse("preferences"), {"page_size": "50"})
    view(bob, second_book)

    assert alice.get(reverse("books")).context["paginator"].per_page == 25
    assert bob.get(reverse("books")).context["paginator"].per_page == 50
    assert notice_texts(alice.get(reverse("index"))) == []
    assert notice_texts(bob.get(reverse("index"))) == ["Closed on Monday"]
    assert recently_viewed_titles(alice) == [first_book.title]
    assert recently_viewed_titles(bob) == [second_book.title]
    assert alice.session.session_key != bob.session.session_key


def test_the_session_holds_only_small_integers_after_a_run_of_visits(client):
    books = BookFactory.create_batch(8)
    notices = SiteNoticeFactory.create_batch(3)
    for _ in range(3):
        client.get(reverse("index"))
    view(client, *books, books[0])
    client.post(reverse("preferences"), {"page_size": "100"})
    for notice in notices:
        dismiss(client, notice, next_url=reverse("books"))
    client.get(reverse("search") + "?q=book")

    row = Session.objects.get(session_key=client.session.session_key)
    stored = row.get_decoded()
    assert stored == {
        "num_visits": 3,
        "recently_viewed": [books[0].pk, *(book.pk for book in reversed(books[4:]))],
        "page_size": 100,
        "dismissed_notices": [notice.pk for notice in notices],
    }
    # Only ints and lists of ints: nothing that could grow with a model's fields.
    for value in stored.values():
        assert type(value) is int or all(type(pk) is int for pk in value)
    assert len(json.dumps(stored)) < 200
    assert len(row.session_data) < 500


def test_each_patron_sees_their_own_page_count_on_their_borrowed_books(client):
    """Page links are drawn once for the catalog's lists, never shared between people."""
    busy, quiet = MemberFactory(), MemberFactory()
    LoanedCopyFactory.create_batch(11, borrower=busy)
    LoanedCopyFactory(borrower=quiet)
    client.force_login(busy)
    assert "Page 1 of 2." in client.get(reverse("my-borrowed")).content.decode()
    client.force_login(quiet)
    content = client.get(reverse("my-borrowed")).content.decode()
    assert "Page 1 of" not in content
    assert content.count("Renew<span") == 1

"""Security of the accounts, site-wide: headers on every response, methods, `next` values.

Each rule is checked over every page of the shared registry (pages.py) and the account and
form pages, through the real middleware.
"""

import re

import pytest
from django.http import HttpResponse
from django.urls import reverse

from catalog.models import Genre
from catalog.security import CSPMiddleware

from .factories import BookInstanceFactory, GenreFactory, LoanedCopyFactory, SiteNoticeFactory
from .pages import EVERYONE, PAGES, become

pytestmark = pytest.mark.django_db


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_csp_is_strict(response):
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "default-src"):
        assert "'unsafe-inline'" not in directives.get(directive, [])
        assert "'unsafe-eval'" not in directives.get(directive, [])


def page_response(client, name, visitor):
    page = PAGES[name]
    become(client, visitor)
    return client.get(page.make(client, 1))


def account_and_other_urls():
    """Pages outside the registry: accounts, forms, the admin, errors, a refused method."""
    return [
        reverse("login"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("preferences"),
        reverse("admin:login"),
        "/catalog/no-such-page/",
        reverse("healthz"),
    ]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_carries_a_strict_content_security_policy(client, name):
    response = page_response(client, name, PAGES[name].visitors[0])
    assert response.status_code == 200
    assert_csp_is_strict(response)


@pytest.mark.parametrize("url", account_and_other_urls())
def test_account_admin_and_error_pages_carry_the_policy_too(client, url):
    assert_csp_is_strict(client.get(url))


def test_a_refused_method_carries_the_policy_too(client):
    response = client.put(reverse("login"))
    assert response.status_code == 405
    assert_csp_is_strict(response)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_switches_off_camera_microphone_and_geolocation(client, name):
    response = page_response(client, name, PAGES[name].visitors[0])
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation"):
        assert f"{feature}=()" in policy


# Pages about a person are never stored by a browser cache or a shared proxy.

PERSONAL_PAGES = [name for name, page in PAGES.items() if "anonymous" not in page.visitors]


@pytest.mark.parametrize("name", PERSONAL_PAGES)
def test_pages_about_a_person_are_private_and_not_stored(client, name):
    response = page_response(client, name, PAGES[name].visitors[0])
    assert response.status_code == 200
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


@pytest.mark.parametrize(
    "url", ["/catalog/reports/", "/catalog/reports/?format=csv", "/catalog/export/books.csv"]
)
def test_reports_and_exports_are_private_and_not_stored(librarian_client, url):
    response = librarian_client.get(url)
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(response.headers["Cache-Control"].split(", "))


@pytest.mark.parametrize("visitor", ["member", "librarian"])
def test_a_logged_in_users_catalog_pages_are_private_too(client, visitor):
    """They name the user in the header, and say which copies the user may edit."""
    response = page_response(client, "books", visitor)
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("visitor", [v for v in EVERYONE if v.startswith("anonymous")])
def test_anonymous_catalog_pages_may_be_cached(client, visitor):
    response = page_response(client, "books", visitor)
    assert "no-store" not in response.headers.get("Cache-Control", "")


# Methods: form and delete pages answer 405 to PUT, PATCH and DELETE.


def form_urls():
    copy = BookInstanceFactory()
    loaned = LoanedCopyFactory()
    genre = GenreFactory()
    author = copy.book.author
    urls = [
        reverse("login"),
        reverse("logout"),
        reverse("password_reset"),
        reverse("password_change"),
        reverse("preferences"),
        reverse("renew-book-librarian", args=[loaned.pk]),
        reverse("lend-book-librarian", args=[copy.pk]),
        reverse("import-books"),
        reverse("genre-create"),
        reverse("genre-update", args=[genre.pk]),
        reverse("genre-delete", args=[genre.pk]),
        reverse("author-delete", args=[author.pk]),
        reverse("bookinstance-delete", args=[copy.pk]),
        reverse("book-detail", args=[copy.book.pk]),
        reverse("index"),
    ]
    return urls


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_form_and_delete_pages_answer_405_to_other_methods(librarian_client, method):
    for url in form_urls():
        response = getattr(librarian_client, method)(url)
        assert response.status_code == 405, url
        assert set(response.headers["Allow"].split(", ")) <= {"GET", "HEAD", "POST"}


def test_a_delete_request_deletes_nothing(librarian_client):
    """Only the confirmation form's POST deletes a genre."""
    genre = GenreFactory()

    response = librarian_client.delete(reverse("genre-delete", args=[genre.pk]))

    assert response.status_code == 405
    assert Genre.objects.filter(pk=genre.pk).exists()
    librarian_client.post(reverse("genre-delete", args=[genre.pk]))
    assert not Genre.objects.filter(pk=genre.pk).exists()


def every_site_url():
    """One URL for each pattern of the site (the admin's aside), pks filled in with 1."""
    from uuid import UUID

    from django.urls import URLPattern, URLResolver, get_resolver

    samples = {"IntConverter": 1, "UUIDConverter": UUID(int=1)}

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if not str(pattern.pattern).startswith("admin/"):
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                converters = pattern.pattern.converters
                route = re.sub(
                    r"<(?:\w+:)?(\w+)>",
                    lambda part, converters=converters: str(
                        samples.get(type(converters[part[1]]).__name__, "x")
                    ),
                    prefix + str(pattern.pattern),
                )
                yield "/" + route

    return sorted(set(walk(get_resolver().url_patterns)))


def test_every_url_of_the_site_answers_405_to_put_patch_and_delete(librarian_client):
    urls = every_site_url()
    assert "/catalog/genre/1/delete/" in urls and "/accounts/login/" in urls
    for url in urls:
        for method in ("put", "patch", "delete"):
            assert getattr(librarian_client, method)(url).status_code == 405, (method, url)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_anonymous_visitors_get_405_too(client, method):
    response = getattr(client, method)(reverse("author-create"))
    assert response.status_code == 405


# `next`: used only when it is a path of this site, whatever its shape; never a 500.

UNSAFE_NEXT = [
    "word",
    "books/",
    "https://evil.example/",
    "http://testserver/catalog/books/",
    "//evil.example/",
    "\\\\evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/catalog/\r\nSet-Cookie: x=1",
    "javascript:alert(1)",
    " /catalog/",
    "%2F%2Fevil.example",
    "\x00",
    "/" + "\u202e" + "evil",
]
SAFE_NEXT = "/catalog/books/?page=2"


@pytest.fixture
def notice():
    return SiteNoticeFactory()


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_dismissing_a_notice_ignores_a_next_that_is_not_a_site_path(client, notice, next_url):
    response = client.post(reverse("dismiss-notice", args=[notice.pk]), {"next": next_url})
    assert response.status_code == 302
    assert response.url == reverse("index")


def test_dismissing_a_notice_goes_back_to_a_site_path(client, notice):
    response = client.post(reverse("dismiss-notice", args=[notice.pk]), {"next": SAFE_NEXT})
    assert response.url == SAFE_NEXT


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_preferences_ignore_a_next_that_is_not_a_site_path(client, next_url):
    page = client.get(reverse("preferences"), {"next": next_url})
    assert page.status_code == 200
    response = client.post(reverse("preferences"), {"page_size": 25, "next": next_url})
    assert response.status_code == 302
    assert response.url == reverse("preferences")


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_login_ignores_a_next_that_is_not_a_site_path(client, member, log_in, next_url):
    assert client.get(reverse("login"), {"next": next_url}).status_code == 200
    response = log_in(client, member, next=next_url)
    assert response.status_code == 302
    assert response.url == "/"


def test_login_goes_back_to_a_site_path(client, member, log_in):
    response = log_in(client, member, next=SAFE_NEXT)
    assert response.url == SAFE_NEXT


def test_logout_goes_back_to_a_site_path(member_client):
    response = member_client.post(reverse("logout"), {"next": SAFE_NEXT})
    assert response.url == SAFE_NEXT


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_logout_ignores_a_next_that_is_not_a_site_path(member_client, next_url):
    response = member_client.post(reverse("logout"), {"next": next_url})
    assert response.status_code == 200
    assert "Logged out!" in response.content.decode()


@pytest.mark.parametrize("next_url", UNSAFE_NEXT)
def test_returning_a_copy_ignores_a_next_that_is_not_a_site_path(librarian_client, next_url):
    copy = LoanedCopyFactory()
    response = librarian_client.post(
        reverse("return-book-librarian", args=[copy.pk]), {"next": next_url}
    )
    assert response.status_code == 302
    assert response.url == reverse("all-borrowed")


def test_view_that_widens_the_policy_gets_its_own_policy_header(rf):
    """The site's fixed CSP header is built once; a view asking for more still gets it."""

    def widened_view(request):
        response = HttpResponse("ok")
        response._csp_update = {"img-src": ["https://covers.example.org"]}
        return response

    plain = CSPMiddleware(lambda request: HttpResponse("ok"))(rf.get("/"))
    widened = CSPMiddleware(widened_view)(rf.get("/"))

    assert "covers.example.org" not in plain["Content-Security-Policy"]
    assert "img-src 'self' data: https://covers.example.org" in widened["Content-Security-Policy"]
    assert plain["Content-Security-Policy"].replace("img-src 'self' data:", "") == widened[
        "Content-Security-Policy"
    ].replace("img-src 'self' data: https://covers.example.org", "")


def test_django_debug_pages_keep_their_styles_in_development(rf, settings):
    """As django-csp does: with DEBUG on, a 404 or 500 page (Django's, inline styles) has no CSP."""
    settings.DEBUG = True
    missing = CSPMiddleware(lambda request: HttpResponse("Page not found", status=404))
    found = CSPMiddleware(lambda request: HttpResponse("ok"))
    assert "Content-Security-Policy" not in missing(rf.get("/nowhere/"))
    assert "Content-Security-Policy" in found(rf.get("/"))

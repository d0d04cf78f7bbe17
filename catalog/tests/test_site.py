"""Site-wide checks that protect every page at once."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from .factories import BookInstanceFactory, GenreFactory, LibrarianFactory, SiteNoticeFactory

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site_data():
    copy = BookInstanceFactory(book__genre=[GenreFactory()])
    return {
        "book": copy.book,
        "author": copy.book.author,
        "genre": copy.book.genre.first(),
        "language": copy.book.language,
        "bookinstance": copy,
    }


def public_urls(data):
    """Every page of the site a visitor can open (the admin aside)."""
    return [
        reverse("index"),
        reverse("books"),
        reverse("authors"),
        reverse("genres"),
        reverse("languages"),
        reverse("bookinstances"),
        reverse("search") + "?q=book",
        reverse("search"),
        reverse("preferences"),
        reverse("login"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_confirm", args=["MQ", "set-password"]),
        reverse("password_reset_complete"),
        *(data[name].get_absolute_url() for name in data),
        "/catalog/no-such-page/",
    ]


def test_every_page_has_one_h1_and_its_own_title(client, site_data):
    titles = set()
    for url in public_urls(site_data):
        content = client.get(url).content.decode()
        assert len(re.findall(r"<h1[\s>]", content)) == 1, url
        title = re.search(r"<title>(.*?)</title>", content, re.S).group(1).strip()
        titles.add(title)
    # Search with and without a query differ; everything else is its own page.
    assert len(titles) >= len(public_urls(site_data)) - 1


def logged_in_urls(data):
    """The pages only a logged-in user (here a librarian, who may see them all) can open."""
    return [
        reverse("password_change"),
        reverse("password_change_done"),
        reverse("my-borrowed"),
        reverse("all-borrowed"),
        reverse("renew-book-librarian", args=[data["bookinstance"].pk]),
        reverse("circulation-desk"),
        reverse("circulation-desk") + f"?copy={data['bookinstance'].pk}",
        reverse("lend-book-librarian", args=[data["bookinstance"].pk]),
        reverse("bookinstance-label", args=[data["bookinstance"].pk]),
        reverse("patron-detail", args=[get_user_model().objects.order_by("pk").first().pk]),
        reverse("my-history"),
        reverse("my-holds"),
        reverse("all-holds"),
        reverse("import-books"),
        reverse("reports"),
        *(reverse(f"{name}-create") for name in data),
        *(
            reverse(f"{name}-{action}", args=[data[name].pk])
            for name in data
            for action in ("update", "delete")
        ),
    ]


def test_every_logged_in_page_has_one_h1_and_its_own_title(librarian_client, site_data):
    titles = set()
    for url in logged_in_urls(site_data):
        response = librarian_client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert len(re.findall(r"<h1[\s>]", content)) == 1, url
        titles.add(re.search(r"<title>(.*?)</title>", content, re.S).group(1).strip())
    assert len(titles) == len(logged_in_urls(site_data))


def test_every_page_has_the_search_box_and_a_skip_link(client, site_data):
    for url in public_urls(site_data):
        content = client.get(url).content.decode()
        assert 'action="/catalog/search/"' in content, url
        assert 'href="#content"' in content, url


def test_no_page_loads_anything_from_another_site(client, site_data):
    for url in public_urls(site_data):
        content = client.get(url).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', content), url


def test_notices_show_on_every_page(client, site_data):
    SiteNoticeFactory(text="Closed on Monday")
    for url in public_urls(site_data):
        assert "Closed on Monday" in client.get(url).content.decode(), url


def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_migrations_create_the_librarian_and_member_groups():
    librarians = Group.objects.get(name="Librarians")
    codenames = set(librarians.permissions.values_list("codename", flat=True))
    assert "can_mark_returned" in codenames
    for model in ("author", "book", "bookinstance", "genre", "language"):
        for action in ("add", "change", "delete", "view"):
            assert f"{action}_{model}" in codenames
    assert not Group.objects.get(name="Library Members").permissions.exists()


def test_make_writes_a_development_env_once(tmp_path):
    shutil.copy(PROJECT / "Makefile", tmp_path / "Makefile")
    subprocess.run(["make", "-s", ".env"], cwd=tmp_path, check=True, capture_output=True)
    first = (tmp_path / ".env").read_text()
    assert "DJANGO_DEBUG=1" in first
    key = re.search(r"DJANGO_SECRET_KEY=(\S+)", first).group(1)
    assert len(key) >= 50
    subprocess.run(["make", "-s", ".env"], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / ".env").read_text() == first


def test_generated_files_are_ignored_by_git():
    generated = [".venv", "db.sqlite3", "staticfiles/app.css", ".env"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *generated],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == generated


GARBAGE = ["\x00", "x" * 10_000, "-1", "2024-13-45", "9" * 40, "'; DROP TABLE x;--", "é\u202e"]


def test_no_page_answers_garbage_with_a_server_error(client, site_data):
    """Every form field and query parameter, filled with garbage, gets a message or a 404."""
    client.force_login(LibrarianFactory())
    for url in public_urls(site_data) + logged_in_urls(site_data):
        path = url.split("?")[0]
        for value in GARBAGE:
            params = {"page": value, "q": value, "next": value}
            assert client.get(path, params).status_code < 500, (url, value)
            response = client.get(path)
            form = response.context.get("form") if response.context else None
            if form is None or path == reverse("logout"):
                continue
            data = {name: value for name in form.fields}
            assert client.post(path, data).status_code < 500, (url, value)
        client.force_login(LibrarianFactory())  # A password change logs the others out.

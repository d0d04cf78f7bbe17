"""The contract's "Forms" and "Roles" sections, from the outside."""

import datetime
import io
import zoneinfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import timezone

from catalog.forms import RenewBookForm
from catalog.models import Loan

from .factories import BookInstanceFactory, LoanedCopyFactory, UserFactory

pytestmark = pytest.mark.django_db

HELP = "Enter a date between now and 4 weeks (default 3)."
PAST = "Invalid date - renewal in past"
TOO_FAR = "Invalid date - renewal more than 4 weeks ahead"


def weeks(n):
    return datetime.timedelta(weeks=n)


def test_the_renew_form_has_one_field_with_the_tutorials_help_text():
    form = RenewBookForm()
    assert list(form.fields) == ["renewal_date"]
    assert form.fields["renewal_date"].help_text == HELP


@pytest.mark.parametrize(
    "offset, error",
    [
        (datetime.timedelta(days=-1), PAST),
        (weeks(4) + datetime.timedelta(days=1), TOO_FAR),
        (datetime.timedelta(0), None),
        (weeks(4), None),
    ],
)
def test_the_renew_form_checks_the_date(offset, error):
    date = timezone.localdate() + offset
    form = RenewBookForm(data={"renewal_date": date.isoformat()})
    if error:
        assert not form.is_valid()
        assert form.errors["renewal_date"] == [error]
    else:
        assert form.is_valid()
        assert form.cleaned_data["renewal_date"] == date


@pytest.mark.parametrize("garbage", ["", "tomorrow", "2024-02-30", "9" * 50, "\x00"])
def test_the_renew_form_refuses_garbage(garbage):
    assert not RenewBookForm(data={"renewal_date": garbage}).is_valid()


@pytest.fixture
def librarian_client(client):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Librarians"))
    client.force_login(user)
    return client


def test_the_renew_page_proposes_three_weeks_in_iso_and_goes_to_all_borrowed(librarian_client):
    copy = LoanedCopyFactory()
    path = f"/catalog/book/{copy.pk}/renew/"
    response = librarian_client.get(path)
    assert "catalog/book_renew_librarian.html" in [t.name for t in response.templates]
    proposed = timezone.localdate() + weeks(3)
    assert response.context["form"].initial["renewal_date"] == proposed
    assert f'value="{proposed.isoformat()}"' in response.content.decode()
    assert HELP in response.content.decode()
    response = librarian_client.post(path, {"renewal_date": proposed.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == "/catalog/borrowed/"
    copy.refresh_from_db()
    assert copy.due_back == proposed


def test_the_renew_page_shows_the_errors(librarian_client):
    copy = LoanedCopyFactory()
    path = f"/catalog/book/{copy.pk}/renew/"
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    content = librarian_client.post(path, {"renewal_date": past}).content.decode()
    assert PAST in content
    far = (timezone.localdate() + weeks(5)).isoformat()
    content = librarian_client.post(path, {"renewal_date": far}).content.decode()
    assert TOO_FAR in content


def zone_where_today_is_not_utcs():
    """A time zone whose date differs from UTC's right now (one of the two always does)."""
    utc_today = datetime.datetime.now(datetime.UTC).date()
    for name in ("Etc/GMT-14", "Etc/GMT+12"):
        if datetime.datetime.now(zoneinfo.ZoneInfo(name)).date() != utc_today:
            return name
    raise AssertionError("no zone differs from UTC")


def test_today_is_the_librarys_local_date(settings, librarian_client):
    settings.TIME_ZONE = zone_where_today_is_not_utcs()
    local_today = timezone.localdate()
    utc_today = datetime.datetime.now(datetime.UTC).date()
    assert local_today != utc_today
    # The renew page proposes three weeks from the library's today.
    copy = LoanedCopyFactory(due_back=local_today)
    response = librarian_client.get(f"/catalog/book/{copy.pk}/renew/")
    assert response.context["form"].initial["renewal_date"] == local_today + weeks(3)
    # Four weeks from the library's today is accepted; a day before the library's today is not.
    form = RenewBookForm(data={"renewal_date": (local_today + weeks(4)).isoformat()})
    assert form.is_valid()
    form = RenewBookForm(data={"renewal_date": (local_today - datetime.timedelta(1)).isoformat()})
    assert not form.is_valid()
    # A copy due on the library's today is not overdue; one due yesterday is.
    assert not copy.is_overdue
    copy.due_back = local_today - datetime.timedelta(days=1)
    assert copy.is_overdue


def test_lending_stamps_the_librarys_local_date(settings, librarian_client):
    settings.TIME_ZONE = zone_where_today_is_not_utcs()
    copy = BookInstanceFactory()
    member = UserFactory()
    local_today = timezone.localdate()
    response = librarian_client.post(
        f"/catalog/bookinstance/{copy.pk}/lend/",
        {"borrower": member.username, "due_back": (local_today + weeks(4)).isoformat()},
    )
    assert response.status_code == 302
    assert Loan.objects.get().lent_on == local_today


# Roles


def test_librarians_hold_every_catalog_permission():
    librarians = Group.objects.get(name="Librarians")
    granted = set(librarians.permissions.values_list("content_type__app_label", "codename"))
    every = {
        ("catalog", codename)
        for codename in Permission.objects.filter(content_type__app_label="catalog").values_list(
            "codename", flat=True
        )
    }
    assert ("catalog", "can_mark_returned") in granted
    for model in ("loan", "hold"):
        assert apps.get_model("catalog", model)
        for action in ("add", "change", "delete", "view"):
            assert ("catalog", f"{action}_{model}") in granted
    missing = every - granted
    assert not missing, missing


def test_library_members_have_no_staff_rights():
    members = Group.objects.get(name="Library Members")
    assert not members.permissions.exists()


def test_a_user_put_in_the_librarians_group_can_work_at_once(client):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Librarians"))
    client.force_login(user)
    for path in (
        "/catalog/borrowed/",
        "/catalog/desk/",
        "/catalog/holds/",
        "/catalog/author/create/",
    ):
        assert client.get(path).status_code == 200, path


def test_a_library_member_can_borrow_but_not_work_the_desk(client):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Library Members"))
    client.force_login(user)
    assert client.get("/catalog/mybooks/").status_code == 200
    assert client.get("/catalog/borrowed/").status_code == 403
    assert client.get("/admin/").status_code == 302


def test_the_demo_librarian_is_staff_and_a_librarian():
    call_command("load_demo_data", stdout=io.StringIO(), stderr=io.StringIO())
    librarian = get_user_model().objects.get(username="librarian")
    assert librarian.is_staff
    assert librarian.groups.filter(name="Librarians").exists()
    assert librarian.has_perm("catalog.can_mark_returned")

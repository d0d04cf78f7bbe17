"""The catalog's forms (tutorial part 9): what each accepts and what it says when it refuses."""

import datetime

import pytest
from django.utils import timezone

from catalog.forms import RenewBookForm


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


# RenewBookForm


def test_renew_form_field_has_the_tutorials_label_and_help_text():
    field = RenewBookForm().fields["renewal_date"]
    assert field.label in (None, "Renewal date")
    assert field.help_text == "Enter a date between now and 4 weeks (default 3)."


def test_renew_form_field_is_a_date_picker():
    assert 'type="date"' in str(RenewBookForm()["renewal_date"])


@pytest.mark.parametrize("days", [0, 1, 21, 28])
def test_renew_form_accepts_today_up_to_four_weeks_ahead(days):
    form = RenewBookForm(data={"renewal_date": days_from_today(days)})
    assert form.is_valid()
    assert form.cleaned_data["renewal_date"] == days_from_today(days)


@pytest.mark.parametrize("days", [-1, -365])
def test_renew_form_refuses_a_date_in_the_past(days):
    form = RenewBookForm(data={"renewal_date": days_from_today(days)})
    assert form.errors["renewal_date"] == ["Invalid date - renewal in past"]


@pytest.mark.parametrize("days", [29, 3650])
def test_renew_form_refuses_a_date_more_than_four_weeks_ahead(days):
    form = RenewBookForm(data={"renewal_date": days_from_today(days)})
    assert form.errors["renewal_date"] == ["Invalid date - renewal more than 4 weeks ahead"]


@pytest.mark.parametrize("typed", ["", "tomorrow", "2024-02-30", "99999-01-01", "1" * 500, "\x00"])
def test_renew_form_refuses_what_is_not_a_date(typed):
    form = RenewBookForm(data={"renewal_date": typed})
    assert not form.is_valid()
    assert form.errors["renewal_date"]


def test_renew_form_uses_the_librarys_local_date(settings):
    # Far east of UTC the library's day can already be tomorrow's UTC date.
    settings.TIME_ZONE = "Pacific/Kiritimati"
    today = timezone.localdate()
    assert RenewBookForm(data={"renewal_date": today}).is_valid()
    yesterday = today - datetime.timedelta(days=1)
    assert not RenewBookForm(data={"renewal_date": yesterday}).is_valid()

"""The catalog's forms (tutorial part 9): what each accepts and what it says when it refuses."""

import datetime

import pytest
from django.utils import timezone

from catalog.forms import (
    AuthorForm,
    BookForm,
    BookInstanceForm,
    GenreForm,
    LanguageForm,
    RenewBookForm,
)
from catalog.models import Genre

from .factories import AuthorFactory, BookFactory, GenreFactory, LanguageFactory


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


# The librarians' model forms


@pytest.mark.django_db
def test_author_form_starts_without_a_death_date():
    form = AuthorForm()
    assert not form.initial.get("date_of_death")
    assert form.fields["date_of_death"].label == "Died"


@pytest.mark.django_db
def test_author_form_refuses_a_death_before_birth():
    form = AuthorForm(
        data={
            "first_name": "A",
            "last_name": "B",
            "date_of_birth": "2000-01-02",
            "date_of_death": "2000-01-01",
        }
    )
    assert form.errors == {"date_of_death": ["Date of death is before date of birth."]}


@pytest.mark.django_db
def test_author_form_accepts_death_on_the_day_of_birth():
    data = {"first_name": "A", "last_name": "B", "date_of_birth": "2000-01-01"}
    assert AuthorForm(data={**data, "date_of_death": "2000-01-01"}).is_valid()


@pytest.mark.django_db
def test_book_form_language_is_optional_and_isbn_unique():
    BookFactory(isbn="9780000000002")
    form = BookForm(
        data={
            "title": "T",
            "author": AuthorFactory().pk,
            "summary": "S",
            "isbn": "9780000000002",
            "genre": [GenreFactory().pk],
        }
    )
    assert not form.fields["language"].required
    assert form.errors == {"isbn": ["Book with this ISBN already exists."]}


@pytest.mark.django_db
def test_book_form_summary_is_limited_to_1000_characters():
    form = BookForm(data={"summary": "x" * 1001})
    assert form.errors["summary"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form_class", "factory"), [(GenreForm, GenreFactory), (LanguageForm, LanguageFactory)]
)
def test_name_forms_ignore_case_when_checking_for_duplicates(form_class, factory):
    factory(name="Science Fiction")
    form = form_class(data={"name": "science fiction"})
    assert list(form.errors) == ["name"]
    assert "already exists (case insensitive match)" in form.errors["name"][0]
    assert form_class(data={"name": "Science Fiction 2"}).is_valid()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ÉPOPÉE", "épopée", "Épopée", "STRASSE", "straße"])
def test_a_name_the_form_accepts_always_saves(typed):
    GenreFactory(name="Épopée")
    GenreFactory(name="Straße")
    # The form compares with the database's own LOWER(), as the constraint does, so a
    # name it accepts never fails with an IntegrityError when saved.
    form = GenreForm(data={"name": typed})
    if form.is_valid():
        form.save()
        assert Genre.objects.filter(name=typed).exists()


@pytest.mark.django_db
def test_book_instance_form_fields_and_date_picker():
    form = BookInstanceForm()
    assert list(form.fields) == ["book", "imprint", "status", "due_back", "borrower"]
    assert 'type="date"' in str(form["due_back"])
    assert not form.fields["borrower"].required

"""The catalog's forms (tutorial part 9), plus the visitor's page size."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from . import visitor
from .catalog_io import normalize_isbn
from .models import Author, Book, BookInstance, Genre, Language


class PageSizeForm(forms.Form):
    page_size = forms.TypedChoiceField(
        label="Results per page",
        choices=[(size, str(size)) for size in visitor.PAGE_SIZES],
        coerce=int,
    )


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format)


# A renewal may move the due date up to four weeks from today; the page proposes three.
RENEWAL_MAX = datetime.timedelta(weeks=4)
RENEWAL_DEFAULT = datetime.timedelta(weeks=3)


class RenewBookForm(forms.Form):
    """Form for a librarian to renew books (tutorial part 9)."""

    renewal_date = forms.DateField(
        help_text="Enter a date between now and 4 weeks (default 3).", widget=DateInput()
    )

    def clean_renewal_date(self):
        data = self.cleaned_data["renewal_date"]
        today = timezone.localdate()
        if data < today:
            raise ValidationError("Invalid date - renewal in past", code="past")
        if data > today + RENEWAL_MAX:
            raise ValidationError("Invalid date - renewal more than 4 weeks ahead", code="too_far")
        return data


# The librarians' create and update pages (tutorial part 9, "Editing with generic views").


class AuthorForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = ["first_name", "last_name", "date_of_birth", "date_of_death"]
        widgets = {"date_of_birth": DateInput(), "date_of_death": DateInput()}


class ChoiceOfRecordsField(forms.ModelMultipleChoiceField):
    """Records chosen by pk: a pk too large for the database is an invalid choice, not a 500.

    A single record needs no such field: Django's ModelChoiceField already refuses it, but
    `pk__in` with a 40-digit pk still overflows SQLite's integers.
    """

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_pk_value"],
                code="invalid_pk_value",
                params={"pk": next(iter(value), "")},
            ) from None


class BookForm(forms.ModelForm):
    # Typed with hyphens an ISBN-13 has 17 characters: room for those, then stored as 13 digits.
    isbn = forms.CharField(
        label="ISBN",
        max_length=32,
        help_text="ISBN-13 or ISBN-10, with or without hyphens; it is saved as ISBN-13.",
    )

    class Meta:
        model = Book
        fields = ["title", "author", "summary", "isbn", "genre", "language"]
        field_classes = {"genre": ChoiceOfRecordsField}
        widgets = {"genre": forms.CheckboxSelectMultiple()}

    def clean_isbn(self):
        """Check the check digit (issue 16); a book's unchanged ISBN may stay a placeholder."""
        isbn = self.cleaned_data["isbn"]
        if self.instance.pk and isbn == self.instance.isbn:
            return isbn
        return normalize_isbn(isbn)


class UniqueNameForm(forms.ModelForm):
    """Say "already exists" next to the name, ignoring case as the Lower('name') constraint does."""

    def clean_name(self):
        name = self.cleaned_data["name"]
        model = self._meta.model
        taken = (
            model.objects.alias(lower_name=Lower("name"))
            .filter(lower_name=Lower(Value(name)))
            .exclude(pk=self.instance.pk)
        )
        if taken.exists():
            raise ValidationError(
                "%(model)s already exists (case insensitive match)",
                code="unique",
                params={"model": model._meta.verbose_name.capitalize()},
            )
        return name


class GenreForm(UniqueNameForm):
    class Meta:
        model = Genre
        fields = ["name"]


class LanguageForm(UniqueNameForm):
    class Meta:
        model = Language
        fields = ["name"]


class BookInstanceForm(forms.ModelForm):
    class Meta:
        model = BookInstance
        fields = ["book", "imprint", "status", "due_back", "borrower"]
        widgets = {"due_back": DateInput()}


class ImportBooksForm(forms.Form):
    """The import page's upload: a CSV file in the catalog's columns (issue 16)."""

    file = forms.FileField(
        label="CSV file",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

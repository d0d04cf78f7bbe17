"""The catalog's forms (tutorial part 9), plus the visitor's page size."""

import datetime
import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from . import visitor
from .autocomplete import AutocompleteInput
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


class CheckedIsbnForm(forms.ModelForm):
    """A book's form where a person types its ISBN: the site's and the admin's."""

    # Typed with hyphens an ISBN-13 has 17 characters: room for those, then stored as 13 digits.
    isbn = forms.CharField(
        label="ISBN",
        max_length=32,
        help_text="ISBN-13 or ISBN-10, with or without hyphens; it is saved as ISBN-13.",
    )

    def clean_isbn(self):
        """Check the check digit (issue 16); a book's unchanged ISBN may stay a placeholder."""
        isbn = self.cleaned_data["isbn"]
        if self.instance.pk and isbn == self.instance.isbn:
            return isbn
        return normalize_isbn(isbn)


class BookForm(CheckedIsbnForm):
    class Meta:
        model = Book
        fields = ["title", "author", "summary", "isbn", "genre", "language"]
        field_classes = {"genre": ChoiceOfRecordsField}
        # Every author in a <select> would weigh the page down as the catalog grows.
        widgets = {"genre": forms.CheckboxSelectMultiple(), "author": AutocompleteInput("author")}


class BookAdminForm(CheckedIsbnForm):
    class Meta:
        model = Book
        fields = ["title", "author", "summary", "isbn", "genre", "language"]


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
        # Search for the book and the borrower: no <select> of every book and every user.
        widgets = {
            "due_back": DateInput(),
            "book": AutocompleteInput("book"),
            "borrower": AutocompleteInput("borrower"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A copy always has a status: no empty choice (the model allows blank, as the
        # tutorial's does, but a copy without one would puzzle the desk).
        self.fields["status"].choices = BookInstance.LoanStatus.choices

    def clean_status(self):
        """A status left out keeps the copy's own (a new copy's: maintenance, the default)."""
        return self.cleaned_data["status"] or self.instance.status


class ImportBooksForm(forms.Form):
    """The import page's upload: a CSV file in the catalog's columns (issue 16)."""

    file = forms.FileField(
        label="CSV file",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )


# The circulation desk (issue 14): find a copy by the id on its label, lend it to a person.

COPY_ID_UNKNOWN = "No copy has the id “%(value)s”. Check the label and scan or type it again."
BORROWER_UNKNOWN = "No active user has the user name “%(value)s”."
LEND_IN_PAST = "Invalid date - due date in past"
LEND_TOO_FAR = "Invalid date - due date more than 4 weeks ahead"


def parse_copy_id(text):
    """The UUID in `text` (with or without hyphens, any case, braces or urn: prefix), or None."""
    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        return None


class DeskLookupForm(forms.Form):
    """One box a barcode scanner types into: a copy's id, then Enter."""

    copy = forms.CharField(
        label="Copy id",
        max_length=100,
        help_text="Scan the label or type the id; hyphens and case do not matter.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )

    def clean_copy(self):
        text = self.cleaned_data["copy"]
        copy_id = parse_copy_id(text)
        if copy_id is not None:
            try:
                return BookInstance.objects.select_related("book__author", "borrower").get(
                    pk=copy_id
                )
            except BookInstance.DoesNotExist:
                pass
        raise ValidationError(COPY_ID_UNKNOWN, code="unknown", params={"value": text})


class LendForm(forms.Form):
    """Lend a copy: to whom (a user name) and until when (the renewal's limits)."""

    borrower = forms.CharField(
        label="Borrower",
        max_length=150,
        help_text="The borrower's user name.",
        # Suggests user names as the librarian types a name; posts the user name itself.
        widget=AutocompleteInput("borrower", posts="text"),
    )
    due_back = forms.DateField(
        label="Due back",
        help_text="Enter a date between now and 4 weeks (default 3).",
        widget=DateInput(),
    )

    def clean_borrower(self):
        name = self.cleaned_data["borrower"].strip()
        users = get_user_model().objects.filter(is_active=True)
        # User names are case-sensitive; an unambiguous other case is still the person meant.
        borrower = users.filter(username=name).first()
        if borrower is None:
            matches = list(users.filter(username__iexact=name)[:2])
            borrower = matches[0] if len(matches) == 1 else None
        if borrower is None:
            raise ValidationError(BORROWER_UNKNOWN, code="unknown", params={"value": name})
        return borrower

    def clean_due_back(self):
        data = self.cleaned_data["due_back"]
        today = timezone.localdate()
        if data < today:
            raise ValidationError(LEND_IN_PAST, code="past")
        if data > today + RENEWAL_MAX:
            raise ValidationError(LEND_TOO_FAR, code="too_far")
        return data

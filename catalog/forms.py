"""The catalog's forms (tutorial part 9), plus the visitor's search and page size."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import visitor

# Each word adds a condition to the search query: bound both, whatever is typed.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 10


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the catalog",
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        strip=True,
    )

    def words(self):
        """The query's words (at most SEARCH_MAX_WORDS), or none when the form is invalid."""
        if not self.is_valid():
            return []
        return self.cleaned_data["q"].split()[:SEARCH_MAX_WORDS]


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

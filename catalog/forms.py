"""The catalog's forms (tutorial part 9), plus the visitor's search and page size."""

from django import forms

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

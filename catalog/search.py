"""The header's search: its form, how a query splits into words, and the limits on both.

`Book.objects.search()` runs the query; this module decides what the words are.
"""

import re

from django import forms

# Each word adds a condition to the search query: bound both, whatever is typed.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 10

# Prose punctuation around a word is not part of it: "Dick, Philip" finds Dick.
SEARCH_WORD_EDGES = ",.;:!?\"'()[]{}“”‘’«»„…"


def search_words(query):
    """The words of a search, without edge punctuation; an ISBN typed with hyphens counts whole.

    A word made only of punctuation ("%", "_") is searched as typed.
    """
    words = []
    for word in query.split():
        word = word.strip(SEARCH_WORD_EDGES) or word
        if re.fullmatch(r"[\dXx]+(-[\dXx]+)+", word):
            word = word.replace("-", "")
        words.append(word)
    return words


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the catalog",
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        strip=True,
        error_messages={
            "max_length": "Search for at most %(limit_value)d characters "
            "(this search has %(show_value)d).",
        },
    )

    def words(self):
        """The query's words (at most SEARCH_MAX_WORDS), or none when the form is invalid."""
        return self._all_words()[:SEARCH_MAX_WORDS]

    def ignored_words(self):
        """The words past the limit, which the search leaves out (the page says so)."""
        return self._all_words()[SEARCH_MAX_WORDS:]

    def _all_words(self):
        if not self.is_valid():
            return []
        return self.cleaned_data["q"].split()

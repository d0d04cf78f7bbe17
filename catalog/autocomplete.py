"""Search-as-you-type for the edit forms (issue 17): the widget and the endpoint that feeds it.

A form field that picks one row out of many (a book's author, a copy's book, a borrower)
renders no `<select>` of every row: it is a text box holding the chosen row's key, with the
chosen row's label beside it, so the page weighs the same at 10 or 100,000 rows and the form
works without JavaScript for a typed id. static/js/autocomplete.js turns the box into a
search box whose suggestions come from `autocomplete/<source>/?q=...` (a few rows as JSON).
"""

from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from .models import Author, Book
from .search import SearchResults, search_words

# A suggestion list is for picking, not browsing: a few rows, however many match.
AUTOCOMPLETE_LIMIT = 20
AUTOCOMPLETE_MAX_LENGTH = 100
AUTOCOMPLETE_MAX_WORDS = 5
# The largest key the databases store (a 64-bit signed integer): beyond it nothing matches.
MAX_PK = 2**63 - 1


def words_matching(fields, words):
    """Every word in at least one of `fields`, case-insensitively."""
    return reduce(
        and_,
        (reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)) for word in words),
    )


def search_authors(request, words):
    return Author.objects.filter(words_matching(["first_name", "last_name"], words))


def search_books(request, words):
    """The header search's hits, in its order (title, author), read as it reads them.

    The ids come from the index first and the rows by id after, as the search page reads
    them, under the same cache entry: asked for the first twenty by title straight away,
    PostgreSQL may walk every title in order looking for a rare word's few books.
    """
    hits = Book.objects.search(" ".join(words)).order_by("title", "author", "id")
    rows = Book.objects.select_related("author")
    return SearchResults(request, search_words(" ".join(words)), hits, rows)


def search_people(request, words):
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(words_matching(["username", "first_name", "last_name"], words)).order_by(
        "username"
    )


def book_label(book):
    """A title alone is ambiguous (editions, namesakes): the author tells them apart."""
    return f"{book.title} ({book.author})" if book.author_id else book.title


def person_hint(user):
    return user.get_full_name()


@dataclass(frozen=True)
class Source:
    """What one kind of field searches, how a row is named, and who may search it."""

    # search(request, words): the rows matching every word, in the order to suggest them.
    search: object
    # All rows, prepared to be labelled (the current choice is looked up here).
    rows: object
    label: object = str
    hint: object = None
    # Any one of these permissions: the ones of the forms the field serves.
    permissions: tuple = ()
    # The page whose address ends with a row's number (what to type without the script).
    page: str = ""

    def allows(self, user):
        return any(user.has_perm(permission) for permission in self.permissions)


SOURCES = {
    "author": Source(
        search=search_authors,
        rows=lambda: Author.objects.all(),
        permissions=("catalog.add_book", "catalog.change_book"),
        page="author-detail",
    ),
    "book": Source(
        search=search_books,
        rows=lambda: Book.objects.select_related("author"),
        label=book_label,
        permissions=("catalog.add_bookinstance", "catalog.change_bookinstance"),
        page="book-detail",
    ),
    "borrower": Source(
        search=search_people,
        rows=lambda: get_user_model().objects.all(),
        label=lambda user: user.get_username(),
        hint=person_hint,
        permissions=(
            "catalog.can_mark_returned",
            "catalog.add_bookinstance",
            "catalog.change_bookinstance",
        ),
        page="patron-detail",
    ),
}


class AutocompleteQueryForm(forms.Form):
    q = forms.CharField(max_length=AUTOCOMPLETE_MAX_LENGTH, required=False, strip=True)


@require_safe
def autocomplete(request, source):
    """Up to AUTOCOMPLETE_LIMIT rows matching every word of `q`, as {"results": [...]}."""
    found = SOURCES.get(source)
    if found is None:
        raise Http404("No such list.")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not found.allows(request.user):
        raise PermissionDenied
    form = AutocompleteQueryForm(request.GET)
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return JsonResponse({"results": [], "error": message}, status=400)
    words = form.cleaned_data["q"].split()[:AUTOCOMPLETE_MAX_WORDS]
    rows = found.search(request, words)[:AUTOCOMPLETE_LIMIT] if words else []
    results = []
    for row in rows:
        result = {"id": str(row.pk), "text": found.label(row)}
        if found.hint is not None:
            result["hint"] = found.hint(row)
        results.append(result)
    return JsonResponse({"results": results})


class AutocompleteInput(forms.TextInput):
    """A text box for the chosen row's key, named as the field; the script adds the search.

    `posts="pk"`: the box holds the key and the page shows the chosen row's label beside it
    (one query, whatever the table's size). `posts="text"`: the box holds the label itself
    (the lend form's user name), and the script suggests labels.
    """

    template_name = "catalog/widgets/autocomplete.html"

    def __init__(self, source, posts="pk", attrs=None):
        if source not in SOURCES:
            raise ValueError(f"Unknown autocomplete source {source!r}")
        self.source = source
        self.posts = posts
        attrs = {"autocomplete": "off", **(attrs or {})}
        if posts == "pk":
            attrs.setdefault("inputmode", "numeric")
            attrs.setdefault("size", 10)
        super().__init__(attrs)

    def current_label(self, value):
        """The label of the row whose key is `value`, or "" for no row or a key of any other
        shape (a re-shown form holds whatever was typed)."""
        if self.posts != "pk" or value in (None, ""):
            return ""
        try:
            pk = int(str(value).strip())
        except ValueError:
            return ""
        if not 0 < pk <= MAX_PK:
            return ""
        source = SOURCES[self.source]
        row = source.rows().filter(pk=pk).first()
        return source.label(row) if row is not None else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["data-autocomplete"] = reverse("autocomplete", args=[self.source])
        widget["attrs"]["data-autocomplete-posts"] = self.posts
        widget["current_label"] = self.current_label(value)
        if self.posts == "pk":
            # Without the script the box takes the row's number, which ends its page's address.
            widget["number_example"] = reverse(SOURCES[self.source].page, args=[12])
        return context

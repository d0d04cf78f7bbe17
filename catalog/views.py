"""The catalog's pages: thin views over Django's generic views (tutorial parts 5 to 7)."""

import functools
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import DatabaseError, IntegrityError, connection, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import generic
from django.views.decorators.http import require_http_methods, require_safe

from . import services, visitor
from .catalog_cache import cached
from .forms import (
    RENEWAL_DEFAULT,
    AuthorForm,
    BookForm,
    BookInstanceForm,
    GenreForm,
    LanguageForm,
    PageSizeForm,
    RenewBookForm,
)
from .models import (
    Author,
    Book,
    BookInstance,
    Genre,
    Language,
    SiteNotice,
    catalog_counts,
)
from .search import SEARCH_MAX_WORDS, SearchForm, SearchResults, search_words


@require_safe
def index(request):
    """View function for home page of site."""
    # The counts scan every copy: computed once per version of the catalog.
    context = dict(cached(request, "home-counts", catalog_counts))
    if request.method == "GET":
        context["num_visits"] = visitor.count_visit(request.session)
    viewed_pks = visitor.recently_viewed(request.session)
    books = Book.objects.in_bulk(viewed_pks) if viewed_pks else {}
    context["recently_viewed"] = [books[pk] for pk in viewed_pks if pk in books]
    return render(request, "index.html", context=context)


def model_permission(model, action):
    """The permission Django creates for `action` ("add", "change", "delete") on `model`."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class VisitorPaginationMixin:
    """Paginate by the page size this visitor chose on the preferences page (10 by default)."""

    paginate_by = visitor.DEFAULT_PAGE_SIZE
    # True where the count is the catalog's (cached under its version), not one person's:
    # the page links are then drawn once per address, page size and version.
    pagination_follows_catalog = False

    def get_paginate_by(self, queryset):
        return visitor.page_size(self.request.session)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pagination_follows_catalog"] = self.pagination_follows_catalog
        return context


class CatalogListMixin(VisitorPaginationMixin):
    """A tutorial list: its count is cached under the catalog's version (and its rows, in
    the template's {% cache %}), so a page costs the same at any size of catalog."""

    pagination_follows_catalog = True

    def get_paginator(self, queryset, *args, **kwargs):
        paginator = super().get_paginator(queryset, *args, **kwargs)
        # Paginator.count is a cached_property: set here, it is never counted again.
        paginator.count = cached(self.request, f"count:{type(self).__name__}", queryset.count)
        return paginator


class EditLinksMixin:
    """A record's page links to its edit and delete pages for those allowed to use them."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        model_name = self.object._meta.model_name
        context["edit_links"] = [
            (label, reverse(f"{model_name}-{url_action}", args=[self.object.pk]))
            for label, url_action, action in (
                ("Edit", "update", "change"),
                ("Delete", "delete", "delete"),
            )
            if self.request.user.has_perm(model_permission(self.model, action))
        ]
        return context


class BookListView(CatalogListMixin, generic.ListView):
    model = Book

    def get_queryset(self):
        return Book.objects.with_list_data().order_by("title", "author", "id")


class BookDetailView(EditLinksMixin, generic.DetailView):
    model = Book

    def get_queryset(self):
        return Book.objects.with_detail_data()

    def get_object(self, queryset=None):
        book = super().get_object(queryset)
        visitor.remember_viewed(self.request.session, book.pk)
        return book


class AuthorListView(CatalogListMixin, generic.ListView):
    model = Author

    def get_queryset(self):
        return Author.objects.order_by("last_name", "first_name", "id")


class AuthorDetailView(EditLinksMixin, generic.DetailView):
    model = Author

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Read only when the template's cached list of books is not there.
        context["books"] = self.object.book_set.select_related("language").order_by("title", "id")
        return context


class BooksInMixin(EditLinksMixin):
    """A genre's or a language's page: the first of its books, and how many there are."""

    # A genre can hold thousands of books: the page shows the first ones and the count.
    shown_books = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        books = self.object.book_set.with_list_data().order_by("title", "id")
        # The count under the catalog's version; the books read only when the template's
        # cached list is not there.
        model_name = self.object._meta.model_name
        context["book_count"] = cached(
            self.request, f"book-count:{model_name}:{self.object.pk}", books.count
        )
        context["books"] = books[: self.shown_books]
        return context


class GenreListView(CatalogListMixin, generic.ListView):
    model = Genre


class GenreDetailView(BooksInMixin, generic.DetailView):
    model = Genre


class LanguageListView(CatalogListMixin, generic.ListView):
    model = Language


class LanguageDetailView(BooksInMixin, generic.DetailView):
    model = Language


class BookInstanceListView(CatalogListMixin, generic.ListView):
    model = BookInstance

    def get_queryset(self):
        return BookInstance.objects.select_related("book").order_by("due_back", "id")


class BookInstanceDetailView(EditLinksMixin, generic.DetailView):
    model = BookInstance

    def get_queryset(self):
        return BookInstance.objects.select_related("book__author", "borrower")


class LoanedBooksByUserListView(LoginRequiredMixin, VisitorPaginationMixin, generic.ListView):
    """Generic class-based view listing books on loan to current user (tutorial part 8)."""

    model = BookInstance
    template_name = "catalog/bookinstance_list_borrowed_user.html"

    def get_queryset(self):
        return BookInstance.objects.on_loan().filter(borrower=self.request.user)


class LoanedBooksAllListView(PermissionRequiredMixin, VisitorPaginationMixin, generic.ListView):
    """Every copy on loan, with its borrower, for librarians."""

    model = BookInstance
    permission_required = "catalog.can_mark_returned"
    template_name = "catalog/bookinstance_list_borrowed_all.html"

    def get_queryset(self):
        return BookInstance.objects.on_loan().select_related("borrower")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("catalog.can_mark_returned", raise_exception=True)
def renew_book_librarian(request, pk):
    """View function for renewing a specific BookInstance by librarian (tutorial part 9).

    The renewal moves the open loan with the copy and counts it (services.renew_loan); the
    page says how often the loan was renewed and warns when patrons wait for the book.
    """
    book_instance = get_object_or_404(
        BookInstance.objects.select_related("book", "borrower"), pk=pk
    )
    if request.method == "POST":
        form = RenewBookForm(request.POST)
        if form.is_valid():
            try:
                # The service re-checks, with the copy locked, that it is still on loan.
                loan = services.renew_loan(
                    copy=book_instance, due_back=form.cleaned_data["renewal_date"]
                )
            except services.CirculationError as error:
                book_instance.refresh_from_db()
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"{book_instance.book.title} is now due back on "
                    f"{form.cleaned_data['renewal_date']:%Y-%m-%d} "
                    f"(renewed {loan.renewals} time{pluralize(loan.renewals)}).",
                )
                return HttpResponseRedirect(reverse("all-borrowed"))
    else:
        proposed_renewal_date = timezone.localdate() + RENEWAL_DEFAULT
        form = RenewBookForm(initial={"renewal_date": proposed_renewal_date})
    context = {
        "form": form,
        "book_instance": book_instance,
        "on_loan": book_instance.status == BookInstance.LoanStatus.ON_LOAN,
        "loan": book_instance.loans.open().first(),
        "holds_waiting": book_instance.book.holds.waiting().count(),
    }
    return render(request, "catalog/book_renew_librarian.html", context)


# Create, update and delete (tutorial part 9): each guarded by the model's own permission.
# Anonymous visitors are sent to log in; logged-in users without it get 403.


class CatalogEditMixin(PermissionRequiredMixin):
    """What a librarian's create, update or delete page derives from its model, as neapolitan does.

    The permission `catalog.<action>_<model>`, the noun the page uses, the list it goes back
    to, and the template: the tutorial's `catalog/<model>_form.html` (or
    `_confirm_delete.html`) when there is one, else the shared `catalog/object_form.html`.
    """

    noun = None  # what the pages call a record; the model's verbose name by default
    # Not PUT (which Django's form views treat as POST) nor DELETE (which its delete views
    # obey at once, skipping the confirmation form): those answer 405.
    http_method_names = ["get", "head", "post"]

    def get_permission_required(self):
        if isinstance(self, generic.CreateView):
            action = "add"
        elif isinstance(self, generic.UpdateView):
            action = "change"
        else:
            action = "delete"
        return [model_permission(self.model, action)]

    def get_template_names(self):
        return [*super().get_template_names(), f"catalog/object{self.template_name_suffix}.html"]

    def list_url(self):
        return reverse(f"{self.model._meta.model_name}s")

    def get_noun(self):
        return self.noun or self.model._meta.verbose_name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["noun"] = self.get_noun()
        context["list_url"] = self.list_url()
        return context


class CatalogFormMixin(CatalogEditMixin):
    """A create or update page, which says what it saved; a unique value someone saved
    meanwhile is a form error."""

    def form_valid(self, form):
        unique_field = next(
            (f.name for f in self.model._meta.fields if f.unique and not f.primary_key), None
        )
        # Between the form's check and the save, another librarian may have saved the value.
        try:
            with transaction.atomic():
                response = super().form_valid(form)
        except IntegrityError:
            if unique_field is None:
                raise
            form.add_error(
                unique_field,
                "This value was saved by someone else a moment ago: it already exists.",
            )
            return self.form_invalid(form)
        done = "added" if isinstance(self, generic.CreateView) else "saved"
        messages.success(self.request, f"The {self.get_noun()} “{self.object}” was {done}.")
        return response


def blocking_dependents(obj):
    """What stops `obj` being deleted (RESTRICT/PROTECT relations), found without deleting."""
    collector = Collector(using=router.db_for_write(type(obj)))
    try:
        collector.collect([obj])
    except RestrictedError as error:
        return error.restricted_objects
    except ProtectedError as error:
        return error.protected_objects
    return set()


class CatalogDeleteMixin(CatalogEditMixin):
    """A delete goes back to the list; one that related records refuse shows them, never a 500."""

    shown_dependents = 50

    def get_success_url(self):
        return self.list_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "dependents" not in kwargs:
            context.update(self.dependents_context(blocking_dependents(self.object)))
        # A genre or a language does not stop a delete: its books lose it. Say how many.
        books = getattr(self.object, "book_set", None)
        context["books_losing_it"] = books.count() if books is not None else 0
        return context

    def dependents_context(self, dependents):
        names = sorted(str(obj) for obj in dependents)
        return {
            "dependents": names[: self.shown_dependents],
            "more_dependents": max(len(names) - self.shown_dependents, 0),
        }

    def form_valid(self, form):
        name = str(self.object)
        try:
            response = super().form_valid(form)
        except RestrictedError as error:
            dependents = error.restricted_objects
        except ProtectedError as error:
            dependents = error.protected_objects
        else:
            messages.success(self.request, f"The {self.get_noun()} “{name}” was deleted.")
            return response
        context = self.get_context_data(
            form=form, delete_refused=True, **self.dependents_context(dependents)
        )
        return self.render_to_response(context)


def edit_views(model, form_class, noun=None):
    """`<Model>Create`, `<Model>Update` and `<Model>Delete` for `model` (tutorial part 9).

    The tutorial writes each as a class of its own; here they differ only in what the
    mixins derive from the model, so one line per model makes all three, under the
    tutorial's names (`AuthorCreate` is `class AuthorCreate(CatalogFormMixin, CreateView)`).
    """
    attrs = {"model": model, "noun": noun, "__module__": __name__}
    name = model.__name__
    form_attrs = {**attrs, "form_class": form_class}
    return (
        type(f"{name}Create", (CatalogFormMixin, generic.CreateView), form_attrs),
        type(f"{name}Update", (CatalogFormMixin, generic.UpdateView), form_attrs),
        type(f"{name}Delete", (CatalogDeleteMixin, generic.DeleteView), attrs),
    )


AuthorCreate, AuthorUpdate, AuthorDelete = edit_views(Author, AuthorForm)
BookCreate, BookUpdate, BookDelete = edit_views(Book, BookForm)
GenreCreate, GenreUpdate, GenreDelete = edit_views(Genre, GenreForm)
LanguageCreate, LanguageUpdate, LanguageDelete = edit_views(Language, LanguageForm)
BookInstanceCreate, BookInstanceUpdate, BookInstanceDelete = edit_views(
    BookInstance, BookInstanceForm, noun="copy"
)


class SearchResultsView(VisitorPaginationMixin, generic.ListView):
    """Books matching every word typed in the header's search box."""

    template_name = "catalog/search_results.html"
    context_object_name = "book_list"
    pagination_follows_catalog = True  # SearchResults: counted once per catalog version

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        words = self.form.words()
        if not words:
            return Book.objects.none()
        hits = Book.objects.search(" ".join(words)).order_by("title", "author", "id")
        return SearchResults(
            self.request, search_words(" ".join(words)), hits, Book.objects.with_list_data()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        context["query"] = " ".join(self.form.words())
        context["ignored_words"] = " ".join(self.form.ignored_words())
        context["max_words"] = SEARCH_MAX_WORDS
        return context


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    """Let a visitor (signed in or not) choose how many results a page shows.

    Coming from a list, the visitor goes back to its first page under the new size.
    """
    next_url = safe_next_url(request, default="")
    if request.method == "POST":
        form = PageSizeForm(request.POST)
        if form.is_valid():
            visitor.set_page_size(request.session, form.cleaned_data["page_size"])
            messages.success(
                request, f"Lists now show {form.cleaned_data['page_size']} results per page."
            )
            return redirect(without_page_number(next_url) or "preferences")
    else:
        form = PageSizeForm(initial={"page_size": visitor.page_size(request.session)})
    return render(request, "catalog/preferences.html", {"form": form, "next": next_url})


def without_page_number(url):
    """`url` without its `page` parameter: page numbers change meaning with the page size."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, True) if key != "page"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def post_only(way_back):
    """Like `require_POST`, but a GET finds its way: a page (still 405) linking to the button.

    A visitor gets here by GET when the login sends them back to the button's address (the
    contract's `?next=<path>`) or follows a bookmark; `way_back(**view_kwargs)` is the
    address of the page with the button.
    """

    def decorator(view):
        @functools.wraps(view)
        def only_post(request, *args, **kwargs):
            if request.method == "POST":
                return view(request, *args, **kwargs)
            return not_a_post(request, way_back(**kwargs))

        return only_post

    return decorator


def not_a_post(request, way_back):
    """405 to anything but a POST; to a GET, a page that links to where the button is."""
    if request.method in ("GET", "HEAD"):
        response = render(request, "catalog/post_only.html", {"way_back": way_back}, status=405)
    else:
        response = HttpResponseNotAllowed(["POST"])
    response["Allow"] = "POST"
    return response


def safe_next_url(request, default):
    """The `next` the visitor came from, when it is a path of this site; `default` otherwise.

    The one place `next` is read (login, logout, forms that send the visitor back). Only an
    absolute path is taken ("/catalog/books/?page=2"): a bare word, a URL, "//host", "/\\host",
    "javascript:..." or a control character would lead off the site or break the redirect.
    """
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if is_site_path(next_url):
        return next_url
    return default


def is_site_path(url):
    """True for an absolute path on this site, with no scheme, host or control character."""
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    # Browsers drop tabs and newlines inside URLs ("/\t/host" is "//host"), and a newline
    # cannot go in a Location header.
    if any(unicodedata.category(char).startswith("C") for char in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=None)


@post_only(way_back=lambda pk: reverse("index"))
def dismiss_notice(request, pk):
    """Hide a notice for this browser only."""
    notice = get_object_or_404(SiteNotice, pk=pk)
    visitor.dismiss_notice(request.session, notice.pk)
    return redirect(safe_next_url(request, reverse("index")))


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico where a page names no icon (the admin's): the site's."""
    return redirect(static("images/favicon.svg"))


@require_safe
def healthz(request):
    """The PaaS probe: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")

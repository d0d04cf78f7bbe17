"""The catalog's pages: thin views over Django's generic views (tutorial parts 5 to 7)."""

from django.contrib import messages
from django.db import DatabaseError, connection
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import generic
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.http import require_POST, require_safe

from . import visitor
from .forms import PageSizeForm, SearchForm
from .models import (
    Author,
    Book,
    BookInstance,
    Genre,
    Language,
    SiteNotice,
    catalog_counts,
)


@require_safe
def index(request):
    """View function for home page of site."""
    context = catalog_counts()
    if request.method == "GET":
        context["num_visits"] = visitor.count_visit(request.session)
    viewed_pks = visitor.recently_viewed(request.session)
    books = Book.objects.in_bulk(viewed_pks) if viewed_pks else {}
    context["recently_viewed"] = [books[pk] for pk in viewed_pks if pk in books]
    return render(request, "index.html", context=context)


class VisitorPaginationMixin:
    """Paginate by the page size this visitor chose on the preferences page."""

    def get_paginate_by(self, queryset):
        return visitor.page_size(self.request.session)


class BookListView(VisitorPaginationMixin, generic.ListView):
    model = Book

    def get_queryset(self):
        return Book.objects.with_list_data().order_by("title", "author", "id")


class BookDetailView(generic.DetailView):
    model = Book

    def get_queryset(self):
        return Book.objects.with_detail_data()

    def get_object(self, queryset=None):
        book = super().get_object(queryset)
        visitor.remember_viewed(self.request.session, book.pk)
        return book


class AuthorListView(VisitorPaginationMixin, generic.ListView):
    model = Author

    def get_queryset(self):
        return Author.objects.order_by("last_name", "first_name", "id")


class AuthorDetailView(generic.DetailView):
    model = Author

    def get_queryset(self):
        books = Book.objects.select_related("language").order_by("title", "id")
        return Author.objects.prefetch_related(Prefetch("book_set", queryset=books))


class GenreListView(VisitorPaginationMixin, generic.ListView):
    model = Genre


class GenreDetailView(generic.DetailView):
    model = Genre

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        books = self.object.book_set.with_list_data().order_by("title", "id")
        context["book_count"] = books.count()
        context["books"] = books[: self.shown_books]
        return context

    # A genre can hold thousands of books: the page shows the first ones and the count.
    shown_books = 100


class LanguageListView(VisitorPaginationMixin, generic.ListView):
    model = Language


class LanguageDetailView(GenreDetailView):
    model = Language


class BookInstanceListView(VisitorPaginationMixin, generic.ListView):
    model = BookInstance

    def get_queryset(self):
        return BookInstance.objects.select_related("book").order_by("due_back", "id")


class BookInstanceDetailView(generic.DetailView):
    model = BookInstance

    def get_queryset(self):
        return BookInstance.objects.select_related("book__author", "borrower")


class SearchResultsView(VisitorPaginationMixin, generic.ListView):
    """Books matching every word typed in the header's search box."""

    template_name = "catalog/search_results.html"
    context_object_name = "book_list"

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        words = self.form.words()
        if not words:
            return Book.objects.none()
        return Book.objects.search(" ".join(words)).order_by("title", "author", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        context["query"] = " ".join(self.form.words())
        return context


def preferences(request):
    """Let a visitor (signed in or not) choose how many results a page shows."""
    if request.method == "POST":
        form = PageSizeForm(request.POST)
        if form.is_valid():
            visitor.set_page_size(request.session, form.cleaned_data["page_size"])
            messages.success(
                request, f"Lists now show {form.cleaned_data['page_size']} results per page."
            )
            return redirect("preferences")
    else:
        form = PageSizeForm(initial={"page_size": visitor.page_size(request.session)})
    return render(request, "catalog/preferences.html", {"form": form})


def safe_next_url(request, default):
    """The `next` the visitor came from, when it is on this site; `default` otherwise."""
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return default


@require_POST
def dismiss_notice(request, pk):
    """Hide a notice for this browser only."""
    notice = get_object_or_404(SiteNotice, pk=pk)
    visitor.dismiss_notice(request.session, notice.pk)
    return redirect(safe_next_url(request, reverse("index")))


def healthz(request):
    """The PaaS probe: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's page for now."""
    return django_csrf_failure(request, reason=reason)

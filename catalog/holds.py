"""Holds (issue 15): patrons queue for a book; librarians see what to put aside.

The rules (limits, setting a copy aside, passing it on) live in `catalog.services`.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import generic

from . import services
from .circulation import refusal
from .models import Book, BookInstance, Hold
from .views import VisitorPaginationMixin, post_only, safe_next_url


@post_only(way_back=lambda pk: reverse("book-detail", args=[pk]))
def place_hold(request, pk):
    """A patron asks for the next copy of a book (at once, when one is on the shelf)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    book = get_object_or_404(Book, pk=pk)
    try:
        hold = services.place_hold(book=book, patron=request.user)
    except services.CirculationError as error:
        messages.error(request, refusal(error))
        return redirect(book)
    if hold.copy_id:
        messages.success(
            request,
            f"A copy of {book.title} is set aside for you: collect it at the desk "
            f"by {hold.ready_until:%Y-%m-%d}.",
        )
    else:
        messages.success(request, f"You are in the queue for {book.title}.")
    return redirect("my-holds")


class HoldsByUserListView(LoginRequiredMixin, VisitorPaginationMixin, generic.ListView):
    """My holds: the place in each queue, or until when a set-aside copy waits."""

    model = Hold
    template_name = "catalog/hold_list_user.html"
    context_object_name = "hold_list"

    def get_queryset(self):
        holds = Hold.objects.active().filter(patron=self.request.user)
        # A patron has at most MAX_ACTIVE_HOLDS: read them all in one query, and the
        # paginator counts this list instead of asking the database a second time.
        return list(
            holds.select_related("book__author").with_queue_place().order_by("placed_at", "id")
        )


@post_only(way_back=lambda pk: reverse("my-holds"))
def cancel_hold(request, pk):
    """The hold's own patron, or a librarian, ends a hold; anyone else gets 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    holds = Hold.objects.select_related("book")
    if not request.user.has_perm("catalog.can_mark_returned"):
        holds = holds.filter(patron=request.user)
    hold = get_object_or_404(holds, pk=pk)
    next_url = safe_next_url(request, default=reverse("my-holds"))
    if hold.ended_on is not None:
        messages.warning(request, f"This hold on {hold.book.title} had already ended.")
        return redirect(next_url)
    try:
        services.cancel_hold(hold=hold, by=request.user)
    except Hold.DoesNotExist:
        raise Http404("No such hold.") from None
    except services.CirculationError as error:
        messages.error(request, refusal(error))
    else:
        messages.success(request, f"The hold on {hold.book.title} is cancelled.{copy_fate(hold)}")
    return redirect(next_url)


def copy_fate(hold):
    """Where the copy set aside for a hold just ended went ("" for a hold still waiting)."""
    if hold.copy_id is None:
        return ""
    copy = BookInstance.objects.filter(pk=hold.copy_id).only("status").first()
    if copy is None:
        return ""
    Status = BookInstance.LoanStatus
    return {
        Status.RESERVED: " Its copy is set aside for the next patron in the queue.",
        Status.AVAILABLE: " Its copy is back on the shelf.",
    }.get(copy.status, "")


class HoldsAllListView(PermissionRequiredMixin, VisitorPaginationMixin, generic.ListView):
    """Every active hold, ready ones first (oldest first: they expire first), then the queues."""

    model = Hold
    permission_required = "catalog.can_mark_returned"
    template_name = "catalog/hold_list_all.html"

    def get_queryset(self):
        holds = Hold.objects.active().select_related("book", "patron")
        # Each book's queue together, in the queue's order (book_id: a book's own ordering
        # would join its author only to sort books of the same title).
        return holds.with_queue_place().order_by(
            F("ready_on").asc(nulls_last=True), "book__title", "book_id", "placed_at", "id"
        )

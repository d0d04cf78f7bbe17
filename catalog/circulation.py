"""The circulation desk's pages (issue 14): lend, return, renew, the desk and loan histories.

The writes themselves are `catalog.services` functions; these views only read forms, call
them, and say what happened (or which rule refused, from the service's own message).
"""

import functools

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, connection
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import generic
from django.views.decorators.http import require_http_methods, require_safe

from . import services, visitor
from .forms import RENEWAL_DEFAULT, DeskLookupForm, LendForm
from .models import BookInstance, Hold, Loan
from .views import VisitorPaginationMixin, post_only, safe_next_url

librarian_only = permission_required("catalog.can_mark_returned", raise_exception=True)

LEND_RACE_LOST = (
    "Another librarian changed this copy a moment ago: it was not lent. "
    "Look it up again at the desk."
)


def refusal(error):
    """The user-facing text of a service's refusal (a ValidationError or a plain exception)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def desk_url(copy):
    return f"{reverse('circulation-desk')}?{urlencode({'copy': str(copy.pk)})}"


def hold_for_copy(copy):
    """The ready hold a copy is set aside for, if any (one query)."""
    if copy.status != BookInstance.LoanStatus.RESERVED:
        return None
    return Hold.objects.ready().filter(copy=copy).select_related("patron").first()


def lend_initial(copy, hold=None):
    """The lend form's proposal: three weeks, and the person a set-aside copy waits for."""
    initial = {"due_back": timezone.localdate() + RENEWAL_DEFAULT}
    patron = hold.patron if hold else copy.borrower
    if copy.status == BookInstance.LoanStatus.RESERVED and patron is not None:
        initial["borrower"] = patron.get_username()
    return initial


def open_loan_renewals(copy):
    """How many times the copy's open loan was renewed, or None when no loan of it is open.

    Through a cursor: the ORM took longer to build this one-row query than the database to
    answer it. At most one loan of a copy is open (the one_open_loan_per_copy constraint).
    """
    copy_id = BookInstance._meta.pk.get_db_prep_value(copy.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT renewals FROM {Loan._meta.db_table}"
            " WHERE copy_id = %s AND returned_on IS NULL",
            [copy_id],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


@functools.cache
def empty_lookup_box():
    """The desk's box before a scan: the same HTML on every visit, so it is rendered once per
    process (Django's form templates took about 0.9 ms of each desk page)."""
    return DeskLookupForm().as_div()


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@librarian_only
def circulation_desk(request):
    """One box for a scanned or typed copy id; the copy, and the action that applies to it.

    The box sends a GET (the copy's view can be bookmarked and reloaded); a POST of the same
    box, as a scanner's own form might send, finds the copy the same way and changes nothing.
    """
    context = {"form": DeskLookupForm(), "copy": None}
    data = request.POST if request.method == "POST" else request.GET
    if "copy" in data:
        form = DeskLookupForm(data)
        context["form"] = form
        if form.is_valid():
            copy = form.cleaned_data["copy"]
            hold = hold_for_copy(copy)
            holds_waiting, _ = Hold.objects.book_figures(copy.book)
            context.update(
                copy=copy,
                ready_hold=hold,
                holds_waiting=holds_waiting,
                renewals=open_loan_renewals(copy),
                lend_form=LendForm(initial=lend_initial(copy, hold)),
                here=desk_url(copy),
            )
            # The box is ready for the next scan, empty.
            context["form"] = DeskLookupForm()
    form = context["form"]
    context["lookup_box"] = form.as_div() if form.is_bound else empty_lookup_box()
    return render(request, "catalog/circulation_desk.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@librarian_only
def lend_book_librarian(request, pk):
    """Lend a copy to a person (an available copy, or one set aside for them)."""
    copy = get_object_or_404(BookInstance.objects.select_related("book", "borrower"), pk=pk)
    next_url = safe_next_url(request, default="")
    if request.method == "POST":
        form = LendForm(request.POST)
        if form.is_valid():
            try:
                loan = services.lend_copy(
                    copy=copy,
                    borrower=form.cleaned_data["borrower"],
                    due_back=form.cleaned_data["due_back"],
                )
            except services.CirculationError as error:
                form.add_error(None, refusal(error))
            except IntegrityError:
                form.add_error(None, LEND_RACE_LOST)
            else:
                messages.success(
                    request,
                    f"{copy.book.title} is lent to {form.cleaned_data['borrower'].get_username()}"
                    f", due back on {loan.due_back:%Y-%m-%d}.",
                )
                return redirect(next_url or "all-borrowed")
        copy.refresh_from_db()
    else:
        form = LendForm(initial=lend_initial(copy, hold_for_copy(copy)))
    context = {"form": form, "bookinstance": copy, "next": next_url}
    return render(request, "catalog/bookinstance_lend.html", context)


@post_only(way_back=lambda pk: reverse("all-borrowed"))
@login_required
@librarian_only
def return_book_librarian(request, pk):
    """A copy comes back: available again, or set aside for the next patron waiting."""
    copy = get_object_or_404(BookInstance.objects.select_related("book"), pk=pk)
    next_url = safe_next_url(request, default=reverse("all-borrowed"))
    if copy.status != BookInstance.LoanStatus.ON_LOAN:
        messages.warning(
            request,
            f"{copy.book.title} is not on loan (its status is {copy.get_status_display()}): "
            "nothing was changed.",
        )
        return redirect(next_url)
    try:
        services.return_copy(copy=copy)
    except services.CirculationError as error:
        messages.error(request, refusal(error))
        return redirect(next_url)
    copy.refresh_from_db()
    if copy.status == BookInstance.LoanStatus.RESERVED and copy.borrower_id:
        patron = get_user_model().objects.get(pk=copy.borrower_id)
        messages.success(
            request,
            f"{copy.book.title} is returned. Put it aside: a hold is waiting for it, "
            f"for {patron.get_username()}.",
        )
    else:
        messages.success(request, f"{copy.book.title} is returned and available again.")
    return redirect(next_url)


@post_only(way_back=lambda pk: reverse("my-borrowed"))
@login_required
def renew_book_patron(request, pk):
    """A patron renews their own loan, within the contract's three rules."""
    copy = get_object_or_404(BookInstance.objects.select_related("book"), pk=pk)
    try:
        loan = services.renew_own_loan(copy=copy, patron=request.user)
    except services.CirculationError as error:
        messages.error(request, refusal(error))
    else:
        messages.success(
            request,
            f"{copy.book.title} is now due back on {loan.due_back:%Y-%m-%d}.",
        )
    return redirect("my-borrowed")


@require_safe
@login_required
@librarian_only
def patron_detail(request, pk):
    """One person's open loans, holds and past loans, for the desk."""
    patron = get_object_or_404(get_user_model(), pk=pk)
    past_loans = Paginator(
        Loan.objects.returned().filter(borrower=patron).select_related("copy__book"),
        visitor.page_size(request.session),
    ).get_page(request.GET.get("page"))
    context = {
        "patron": patron,
        "open_copies": list(
            BookInstance.objects.on_loan()
            .filter(borrower=patron)
            .prefetch_related(Prefetch("loans", Loan.objects.open(), to_attr="open_loans"))
        ),
        "holds": list(
            Hold.objects.active()
            .filter(patron=patron)
            .with_queue_place()
            .select_related("book")
            .order_by("placed_at", "id")
        ),
        "paginator": past_loans.paginator,
        "page_obj": past_loans,
        "is_paginated": past_loans.has_other_pages(),
        "past_loans": past_loans.object_list,
        "today": timezone.localdate(),
    }
    return render(request, "catalog/patron_detail.html", context)


class LoanHistoryUserListView(LoginRequiredMixin, VisitorPaginationMixin, generic.ListView):
    """My reading history: the patron's own past loans (returned), newest first.

    What is on loan now is on My borrowed, where it can be renewed.
    """

    model = Loan
    template_name = "catalog/loan_history_user.html"

    def get_queryset(self):
        return (
            Loan.objects.filter(borrower=self.request.user, returned_on__isnull=False)
            .select_related("copy__book__author")
            .order_by("-lent_on", "-id")
        )


@require_safe
@login_required
@librarian_only
def bookinstance_label(request, pk):
    """A printable label: the copy's id as a QR code (SVG drawn here, no network) and as text."""
    copy = get_object_or_404(BookInstance.objects.select_related("book__author"), pk=pk)
    qr_code = segno.make(str(copy.pk), error="m")
    context = {
        "bookinstance": copy,
        "qr_svg": qr_code.svg_inline(scale=4, svgclass="label-code", lineclass="label-code-line"),
    }
    return render(request, "catalog/bookinstance_label.html", context)

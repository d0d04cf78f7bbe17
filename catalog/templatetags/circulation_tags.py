"""What the book's and the copy's pages show about circulation, in a fixed number of queries.

Tags rather than view code so the tutorial's BookDetailView and BookInstanceDetailView stay
as the tutorial writes them.
"""

from django import template
from django.db.models import Count, Q

from catalog.catalog_cache import cached
from catalog.models import BookInstance, Hold

register = template.Library()

# A copy's page lists its newest loans; older ones are counted.
SHOWN_LOANS = 50


@register.simple_tag(takes_context=True)
def book_availability(context, book):
    """Copies on the shelf, holds waiting, and whether the visitor has one of them.

    The copies' figures are the catalog's, cached under its version; the holds' come in one
    small query, whoever is looking.
    """
    request = context["request"]
    copies = cached(
        request,
        f"book-copies:{book.pk}",
        lambda: BookInstance.objects.filter(book=book).aggregate(
            copies=Count("pk"),
            available=Count("pk", filter=Q(status=BookInstance.LoanStatus.AVAILABLE)),
        ),
    )
    user = context.get("user")
    patron = user if user is not None and user.is_authenticated else None
    holds_waiting, own_holds = Hold.objects.book_figures(book, patron)
    return {
        "copies": copies["copies"],
        "available": copies["available"],
        "holds_waiting": holds_waiting,
        "has_own_hold": bool(own_holds),
    }


@register.simple_tag
def copy_loans(copy):
    """The copy's newest loans with their borrowers, and how many there are in all."""
    loans = copy.loans.select_related("borrower").order_by("-lent_on", "-id")
    shown = list(loans[:SHOWN_LOANS])
    return {"loans": shown, "count": len(shown) if len(shown) < SHOWN_LOANS else loans.count()}

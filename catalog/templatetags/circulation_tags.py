"""What the book's and the copy's pages show about circulation, in a fixed number of queries.

Tags rather than view code so the tutorial's BookDetailView and BookInstanceDetailView stay
as the tutorial writes them.
"""

from django import template
from django.db.models import Count, Q

from catalog.models import BookInstance, Hold

register = template.Library()

# A copy's page lists its newest loans; older ones are counted.
SHOWN_LOANS = 50


@register.simple_tag(takes_context=True)
def book_availability(context, book):
    """Copies on the shelf (from the prefetched copies), holds waiting, and the visitor's own.

    One query for both hold figures, whoever is looking.
    """
    copies = book.bookinstance_set.all()
    user = context.get("user")
    own = Q(patron=user) if user is not None and user.is_authenticated else Q(patron__isnull=True)
    holds = (
        Hold.objects.active()
        .filter(book=book)
        .aggregate(waiting=Count("pk", filter=Q(copy__isnull=True)), own=Count("pk", filter=own))
    )
    return {
        "copies": len(copies),
        "available": sum(copy.status == BookInstance.LoanStatus.AVAILABLE for copy in copies),
        "holds_waiting": holds["waiting"],
        "has_own_hold": bool(holds["own"]),
    }


@register.simple_tag
def copy_loans(copy):
    """The copy's newest loans with their borrowers, and how many there are in all."""
    loans = copy.loans.select_related("borrower").order_by("-lent_on", "-id")
    shown = list(loans[:SHOWN_LOANS])
    return {"loans": shown, "count": len(shown) if len(shown) < SHOWN_LOANS else loans.count()}

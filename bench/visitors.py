"""The logged-in visitors of `make bench` (run by bench/run.py on a seeded database).

A librarian and a patron (the seeded reader with the most loans), each with a session
row as a login would leave it; every seeded reader holds MAX_ACTIVE_HOLDS books, so the
holds pages have rows. Prints JSON: the two Cookie headers, a copy on loan (for the desk)
and one book's ISBN (a search with one hit).
"""

import json

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from catalog import services  # noqa: E402
from catalog.models import LIBRARIANS, MAX_ACTIVE_HOLDS, Book, BookInstance  # noqa: E402

User = get_user_model()


def session_cookie(user):
    """A session as a login leaves it, without the login form (axes, test cookie), and the
    CSRF cookie that a logged-in browser holds after its first page (every page has the
    logout form): without it, each request would make and send a new CSRF secret."""
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    client.get("/catalog/")
    return "; ".join(f"{name}={client.cookies[name].value}" for name in ("sessionid", "csrftoken"))


librarian, created = User.objects.get_or_create(username="bench-librarian")
if created:
    librarian.set_unusable_password()
    librarian.is_staff = True
    librarian.save()
    librarian.groups.add(Group.objects.get(name=LIBRARIANS))

readers = list(
    User.objects.filter(username__startswith="seed-reader-")
    .annotate(out=Count("bookinstance"))
    .order_by("-out", "username")
)
patron = readers[0]
# Each reader queues for books whose copies are all out (no copy is set aside), then, in a
# small catalog that has too few of those, for any book; never for one they have on loan.
needed = 2 * MAX_ACTIVE_HOLDS * len(readers)
busy_books = list(
    Book.objects.exclude(bookinstance__status=BookInstance.LoanStatus.AVAILABLE)
    .order_by("id")
    .values_list("id", flat=True)[:needed]
)
other_books = Book.objects.exclude(pk__in=busy_books).order_by("id").values_list("id", flat=True)
wanted = iter(busy_books + list(other_books[: needed - len(busy_books)]))
for reader in readers:
    held = reader.holds.filter(ended_on__isnull=True).count()
    while held < MAX_ACTIVE_HOLDS:
        try:
            services.place_hold(book=Book(pk=next(wanted)), patron=reader)
        except services.CirculationError:
            continue  # a book this reader has on loan: the next one
        held += 1

copy = BookInstance.objects.filter(borrower=patron, status=BookInstance.LoanStatus.ON_LOAN).first()
print(
    json.dumps(
        {
            "librarian": session_cookie(librarian),
            "patron": session_cookie(patron),
            "copy": str(copy.pk),
            "isbn": Book.objects.order_by("id").values_list("isbn", flat=True)[500],
        }
    )
)

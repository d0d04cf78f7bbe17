"""What every page's base template needs."""

from django.contrib.auth.models import Permission
from django.db.models import Q

from . import visitor
from .models import SiteNotice
from .search import SEARCH_MAX_LENGTH


def site(request):
    """Notices this browser has not dismissed (one query, run only if shown); the search limit."""
    session = getattr(request, "session", None)
    dismissed = visitor.dismissed_notices(session) if session is not None else []
    load_permissions(getattr(request, "user", None))
    return {
        "site_notices": SiteNotice.objects.current().exclude(pk__in=dismissed),
        "search_max_length": SEARCH_MAX_LENGTH,
    }


def load_permissions(user):
    """The signed-in user's permissions in one query, for the sidebar's `perms` checks.

    Django's ModelBackend would ask twice (the user's own, then their groups'); it keeps the
    answer on the user as `_perm_cache`, which is where this one query puts it. So a page
    costs the same queries for a patron as the contract's budget allows (6 for the book
    list). Superusers and inactive users are left to the backend (all or nothing).
    """
    if user is None or not user.is_authenticated or hasattr(user, "_perm_cache"):
        return
    if not user.is_active or user.is_superuser:
        return
    granted = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    user._perm_cache = {f"{app_label}.{codename}" for app_label, codename in granted}

"""What every page's base template needs."""

from . import visitor
from .models import SiteNotice
from .search import SEARCH_MAX_LENGTH


def site(request):
    """Notices this browser has not dismissed (one query, run only if shown); the search limit."""
    session = getattr(request, "session", None)
    dismissed = visitor.dismissed_notices(session) if session is not None else []
    return {
        "site_notices": SiteNotice.objects.current().exclude(pk__in=dismissed),
        "search_max_length": SEARCH_MAX_LENGTH,
    }

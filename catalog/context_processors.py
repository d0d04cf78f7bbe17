"""What every page's base template needs."""

from . import visitor
from .models import SiteNotice


def site(request):
    """The notices this browser has not dismissed (one query, run only if shown)."""
    session = getattr(request, "session", None)
    dismissed = visitor.dismissed_notices(session) if session is not None else []
    return {
        "site_notices": SiteNotice.objects.current().exclude(pk__in=dismissed),
    }

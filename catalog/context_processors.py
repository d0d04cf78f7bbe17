"""What every page's base template needs."""

from django.utils.functional import SimpleLazyObject

from . import visitor
from .catalog_cache import CACHE_SECONDS, catalog_version, site_state
from .search import SEARCH_MAX_LENGTH


def site(request):
    """Notices this browser has not dismissed; the catalog's version; the search limit.

    The notices and the version come in one query, run only if the page shows them.
    """

    def notices():
        session = getattr(request, "session", None)
        dismissed = set(visitor.dismissed_notices(session)) if session is not None else set()
        return [notice for notice in site_state(request).notices if notice.pk not in dismissed]

    def catalog_permissions():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        return " ".join(sorted(p for p in user.get_all_permissions() if p.startswith("catalog.")))

    return {
        "site_notices": SimpleLazyObject(notices),
        # The staff sidebar's key: librarians with the same permissions see the same links.
        "catalog_permissions": SimpleLazyObject(catalog_permissions),
        # For {% cache %}: a fragment is the same for everyone until the catalog changes.
        "catalog_version": SimpleLazyObject(lambda: catalog_version(request)),
        "catalog_cache_seconds": CACHE_SECONDS,
        # The base template's links and static files change only with a new release, and a
        # release starts new server processes, whose fragment cache (settings) starts empty.
        "site_furniture_seconds": None,
        "search_max_length": SEARCH_MAX_LENGTH,
    }

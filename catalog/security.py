"""Rules every response obeys, whichever view made it (issue 12, "Security of the accounts").

They live in middleware so that pages added later get them without copying anything: the
Permissions-Policy header, `Cache-Control: private, no-store` on every page sent to a
logged-in user (it names them, and most show their loans or someone else's), and 405 for
the methods no page of the site handles.
"""

from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.utils.cache import patch_cache_control

# The site has forms, not an API: PUT, PATCH, DELETE and the rest are never a page's job.
PAGE_METHODS = ("GET", "HEAD", "POST")


def permissions_policy(features):
    """The Permissions-Policy header's value: `camera=(), microphone=()` for features off."""
    return ", ".join(
        f"{feature}=({' '.join(origins)})" for feature, origins in sorted(features.items())
    )


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; pages for a logged-in user are never stored.

    A shared proxy, or the next person at a library's public computer, must not be shown a
    page that was about someone else: what they borrowed, who borrowed what, the desk.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class PageMethodsMiddleware:
    """405 for any method but GET, HEAD and POST, before a view could mistake it for another.

    Django's generic form views treat PUT as POST, and its delete views delete at once on
    DELETE, skipping the confirmation page: refused here for every page, present and future.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in PAGE_METHODS:
            return HttpResponseNotAllowed(
                PAGE_METHODS,
                f"{request.method} is not used on this site.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

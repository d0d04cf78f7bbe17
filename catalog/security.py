"""Rules every response obeys, whichever view made it (issue 12, "Security of the accounts").

They live in middleware so that pages added later get them without copying anything: the
Permissions-Policy header, `Cache-Control: private, no-store` on every page sent to a
logged-in user (it names them, and most show their loans or someone else's), and 405 for
the methods no page of the site handles.
"""

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, PolicyParts
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
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


# Django's debug pages (DEBUG on) use inline styles: django-csp leaves them without a policy.
DEBUG_PAGE_CODES = (404, 500)


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, with the site's one policy built once, not per response.

    The site's policy has no nonce and no per-view changes (no inline code anywhere), so
    the header is the same on every page; django-csp would build it anew each time, which
    cost about a tenth of a millisecond of every page. A response that does change it (a
    view decorated with django-csp's decorators, a template asking for a nonce) gets
    django-csp's own handling, as does a configuration with report-only or excluded paths.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        self.fixed_policy = None
        if not policy.get("EXCLUDE_URL_PREFIXES") and not getattr(
            settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None
        ):
            self.fixed_policy = build_policy()

    def process_response(self, request, response):
        default = PolicyParts()
        if (
            self.fixed_policy is None
            or (settings.DEBUG and response.status_code in DEBUG_PAGE_CODES)
            or self.get_policy_parts(request, response) != default
            or self.get_policy_parts(request, response, report_only=True) != default
        ):
            return super().process_response(request, response)
        if self.fixed_policy and CSP_HEADER not in response and not response_exempt(response):
            response[CSP_HEADER] = self.fixed_policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def response_exempt(response):
    return getattr(response, "_csp_exempt", False) is not False

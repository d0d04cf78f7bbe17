"""What a test run changes, for `manage.py test` (the tutorial's way) and pytest alike.

Nothing a site feature depends on: static files are linked by their plain names and served
from `static/` as in development (no `collectstatic` before every run: the production tests
check the hashed files), and the test client reaches the site as a browser does through the
PaaS router, so the tests see the HTTPS site that production serves.
"""

from django.conf import settings
from django.test import client
from django.test.runner import DiscoverRunner

PLAIN_STATIC_FILES = "django.contrib.staticfiles.storage.StaticFilesStorage"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def via_router(base_environ):
    """Wrap the test client's request environ: HTTPS as the router forwards it.

    The router adds `X-Forwarded-Proto: https` (the public port is 443), and a browser sends
    `Origin` with every POST. A test that gives either header itself keeps its own.
    """

    def environ_via_router(self, **request):
        environ = base_environ(self, **request)
        if "HTTP_X_FORWARDED_PROTO" not in environ:
            environ.update(HTTP_X_FORWARDED_PROTO="https", SERVER_PORT="443")
        scheme = environ["HTTP_X_FORWARDED_PROTO"]
        unsafe = environ["REQUEST_METHOD"] not in SAFE_METHODS
        if unsafe and not {"HTTP_ORIGIN", "HTTP_REFERER"} & environ.keys():
            host = environ.get("HTTP_HOST", environ["SERVER_NAME"])
            environ["HTTP_ORIGIN"] = f"{scheme}://{host}"
        return environ

    environ_via_router.via_router = True
    return environ_via_router


def use_test_settings():
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_FILES}}
    settings.STATIC_ROOT = None
    settings.WHITENOISE_USE_FINDERS = True
    if not getattr(client.RequestFactory._base_environ, "via_router", False):
        client.RequestFactory._base_environ = via_router(client.RequestFactory._base_environ)


class TestRunner(DiscoverRunner):
    def setup_test_environment(self, **kwargs):
        super().setup_test_environment(**kwargs)
        use_test_settings()

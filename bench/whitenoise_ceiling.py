"""The static-file ceiling for `make bench`: bare Django with whitenoise's middleware alone.

It serves the site's collected files (`collectstatic` has run) with the site's storage, under
the same gunicorn as the site and bench/ceiling.py. Beside those two it splits what the site's
static file costs: gunicorn and Django's handler (the bare ceiling), whitenoise itself (this
app) and the site's middleware that runs before whitenoise (the site's static file).
"""

from pathlib import Path

from django.conf import settings
from django.core.wsgi import get_wsgi_application

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-ceiling-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.staticfiles"],
    MIDDLEWARE=["whitenoise.middleware.WhiteNoiseMiddleware"],
    STATIC_URL="static/",
    STATIC_ROOT=Path(__file__).resolve().parent.parent / "staticfiles",
    STORAGES={
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    },
)

urlpatterns = []

application = get_wsgi_application()

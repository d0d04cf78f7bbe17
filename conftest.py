"""Test-wide set-up for pytest-django."""

import shutil
import tempfile

from django.conf import settings
from django.core.management import call_command


def pytest_configure(config):
    # Test users' passwords need no slow, attack-resistant hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages link to hashed, compressed static files as in production: collect them once for
    # the run, into a folder of its own (the build's staticfiles/ is left alone).
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="locallibrary-static-")
    config.add_cleanup(lambda: shutil.rmtree(settings.STATIC_ROOT, ignore_errors=True))
    call_command("collectstatic", interactive=False, verbosity=0)

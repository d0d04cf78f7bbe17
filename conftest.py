"""Test-wide set-up for pytest-django."""

from django.conf import settings


def pytest_configure(config):
    # Pages render in tests without `collectstatic`: the manifest storage is for deployment.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Test users' passwords need no slow, attack-resistant hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

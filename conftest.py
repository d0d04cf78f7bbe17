"""Test-wide set-up for pytest-django."""

from django.conf import settings


def pytest_configure(config):
    # Test users' passwords need no slow, attack-resistant hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

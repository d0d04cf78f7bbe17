"""Test-wide set-up: what every pytest run in this folder changes (see locallibrary/test_runner.py).

DEBUG off and the test secret key come from the `env` section of pyproject.toml (pytest-env
sets them before pytest-django imports the settings).
"""

from django.conf import settings

from locallibrary.test_runner import use_test_settings


def pytest_configure(config):
    use_test_settings()
    # Test users' passwords need no slow, attack-resistant hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

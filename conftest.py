"""Test-wide set-up for pytest-django."""

import shutil

from django.conf import settings

from locallibrary.test_runner import collect_static_for_tests


def pytest_configure(config):
    # Test users' passwords need no slow, attack-resistant hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    static_root = collect_static_for_tests()
    config.add_cleanup(lambda: shutil.rmtree(static_root, ignore_errors=True))

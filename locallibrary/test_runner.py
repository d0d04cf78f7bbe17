"""`manage.py test` as the tutorial runs it, with the static files production serves."""

import shutil
import tempfile

from django.conf import settings
from django.core.management import call_command
from django.test.runner import DiscoverRunner


def collect_static_for_tests():
    """Collect the hashed, compressed static files into a folder of their own; return it.

    Pages link to hashed names as in production, so a test run collects them once first
    (the build's `staticfiles/` is left alone).
    """
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="locallibrary-static-")
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


class TestRunner(DiscoverRunner):
    def setup_test_environment(self, **kwargs):
        super().setup_test_environment(**kwargs)
        self.static_root = collect_static_for_tests()

    def teardown_test_environment(self, **kwargs):
        shutil.rmtree(self.static_root, ignore_errors=True)
        super().teardown_test_environment(**kwargs)

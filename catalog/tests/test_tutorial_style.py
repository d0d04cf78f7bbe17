"""A Django TestCase as the tutorial writes them: `manage.py test` runs it as pytest does."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import TestCase
from django.urls import reverse

PROJECT = Path(__file__).resolve().parents[2]


class IndexViewTest(TestCase):
    def test_home_page_renders_with_its_stylesheet(self):
        response = self.client.get(reverse("index"))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "index.html")
        self.assertContains(response, "/static/css/styles.css")


def test_manage_py_test_runs_the_tutorial_style_tests(tmp_path):
    # On SQLite of its own: the services run's PostgreSQL test database belongs to pytest.
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SESSION_ENGINE": "db",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "test", "catalog.tests.test_tutorial_style", "-v", "2"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "test_home_page_renders_with_its_stylesheet" in result.stderr
    assert "OK" in result.stderr

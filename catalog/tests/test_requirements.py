"""Every package the site or its tests import is pinned (the contract's layout): a fresh
clone installs exactly what was tested, not whatever a dependency pulls in that day."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN_PACKAGES = {"catalog", "locallibrary", "browser_tests"}


def imported_top_level_names():
    """{top-level module: a file importing it} over the site's and the tests' Python files."""
    files = [ROOT / "manage.py", ROOT / "conftest.py"]
    for package in OWN_PACKAGES:
        files += (ROOT / package).rglob("*.py")
    names = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found = [node.module]
            else:
                continue
            for name in found:
                names.setdefault(name.partition(".")[0], path.relative_to(ROOT))
    return names


def pinned_distributions():
    pins = set()
    for requirements in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / requirements).read_text().splitlines():
            match = re.match(r"([A-Za-z0-9_.-]+)(\[[^]]*\])?==", line.strip())
            if match:
                pins.add(normalized(match.group(1)))
    return pins


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_package_the_site_and_its_tests_import_is_pinned():
    distributions = packages_distributions()
    pins = pinned_distributions()
    unpinned = {}
    for module, where in imported_top_level_names().items():
        if module in OWN_PACKAGES or module in sys.stdlib_module_names:
            continue
        names = {normalized(name) for name in distributions.get(module, [module])}
        if not names & pins:
            unpinned[module] = str(where)
    assert unpinned == {}

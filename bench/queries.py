"""Count the database queries each benchmarked page costs (run by bench/run.py).

Usage: python bench/queries.py '<json list of [name, path, with_cookie]>'; prints JSON.
"""

import json
import sys

import django
from django.conf import settings

# collectstatic has run, but the test client need not read the manifest to count queries.
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def browser():
    return Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")


counts = {}
returning = browser()
returning.get("/catalog/")
for name, path, with_cookie in json.loads(sys.argv[1]):
    if path.startswith(settings.STATIC_URL) or path.startswith("/" + settings.STATIC_URL):
        counts[name] = 0
        continue
    client = returning if with_cookie else browser()
    client.get(path)  # a first visit, so the counted one is a returning visitor's
    if not with_cookie:
        client = browser()
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path).status_code
    assert status == 200, (path, status)
    counts[name] = len(captured.captured_queries)
print(json.dumps(counts))

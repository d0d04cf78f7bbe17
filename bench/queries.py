"""Count the database queries each benchmarked page costs (run by bench/run.py).

Usage: python bench/queries.py '<json list of [name, path, who]>' '<json {who: cookie}>';
prints JSON. `who` is "new" (no cookie), "returning" (a session from an earlier visit) or a
logged-in visitor whose cookies (a Cookie header) the second argument gives.
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


def logged_in(cookie_header):
    client = browser()
    for cookie in cookie_header.split("; "):
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
    return client


counts = {}
visitors = {who: logged_in(cookie) for who, cookie in json.loads(sys.argv[2]).items()}
visitors["returning"] = browser()
visitors["returning"].get("/catalog/")
for name, path, who in json.loads(sys.argv[1]):
    if path.startswith(settings.STATIC_URL) or path.startswith("/" + settings.STATIC_URL):
        counts[name] = 0
        continue
    client = visitors.get(who) or browser()
    client.get(path)  # a first visit, so the counted one is a returning visitor's
    if who == "new":
        client = browser()
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path).status_code
    assert status == 200, (path, status)
    counts[name] = len(captured.captured_queries)
print(json.dumps(counts))

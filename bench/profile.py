"""Profile pages in-process with pyinstrument (what bounds a page that misses its target).

Usage, on a database seeded by `make bench`:
    DATABASE_URL=sqlite:////tmp/locallibrary-bench-10000.sqlite3 DJANGO_DEBUG=0 \\
    DJANGO_SECRET_KEY=x DJANGO_SETTINGS_MODULE=locallibrary.settings \\
    .venv/bin/python bench/profile.py /catalog/books/ /catalog/
"""

import sys

import django

django.setup()

from django.test import Client  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

REQUESTS = 300

client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
client.get("/catalog/")
for path in sys.argv[1:]:
    client.get(path)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(REQUESTS):
            client.get(path)
    print(f"# {path}: {1000 * profiler.last_session.duration / REQUESTS:.2f} ms per request")
    print(profiler.output_text(unicode=False, color=False, show_all=False))

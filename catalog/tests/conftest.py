"""Which tests run: those in services/ need real PostgreSQL and Redis servers."""

import os


def services_are_running():
    """True in the services run of `make test` (scripts/with-services.sh sets these)."""
    return (
        os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
        and os.environ.get("DJANGO_SESSION_ENGINE") == "cached_db"
        and bool(os.environ.get("REDIS_URL"))
    )


# Collected only in the services run: never skipped, simply not part of the SQLite run.
collect_ignore = [] if services_are_running() else ["services"]

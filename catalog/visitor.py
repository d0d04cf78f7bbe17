"""What the session remembers for a visitor (tutorial part 7's own examples, made real).

Everything read back from the session is checked: a value of the wrong type or range
(an old release, a tampered store) is treated as absent, never as an error. Only small
integers are stored, never model instances.
"""

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 10
RECENTLY_VIEWED_LIMIT = 5
# Bounds the session row however many notices a visitor dismisses over the years.
DISMISSED_NOTICES_LIMIT = 100
# The largest primary key a database column holds (a 64-bit integer): a bigger number read
# from the session would make SQLite raise OverflowError in the query.
MAX_PK = 2**63 - 1


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _pk_list(value):
    """The positive integer pks in a stored list; anything else is dropped."""
    if not isinstance(value, list):
        return []
    return [pk for pk in value if _is_count(pk) and 0 < pk <= MAX_PK]


def count_visit(session):
    """Add this visit to the home page counter and return the total, this visit included."""
    previous = session.get("num_visits", 0)
    num_visits = (previous if _is_count(previous) else 0) + 1
    session["num_visits"] = num_visits
    return num_visits


def page_size(session):
    """The visitor's chosen page size, or the default when none (or a bad one) is stored."""
    size = session.get("page_size", DEFAULT_PAGE_SIZE)
    return size if size in PAGE_SIZES and _is_count(size) else DEFAULT_PAGE_SIZE


def set_page_size(session, size):
    session["page_size"] = int(size)


def dismissed_notices(session):
    """Notice pks, oldest dismissal first (bounded, so the query's IN list stays small)."""
    return _pk_list(session.get("dismissed_notices"))[-DISMISSED_NOTICES_LIMIT:]


def dismiss_notice(session, pk):
    """Hide notice `pk` for this browser; a notice keeps its pk when edited, so it stays hidden."""
    dismissed = [p for p in dismissed_notices(session) if p != pk]
    new = (dismissed + [pk])[-DISMISSED_NOTICES_LIMIT:]
    if session.get("dismissed_notices") != new:
        session["dismissed_notices"] = new


def recently_viewed(session):
    """Book pks, newest first."""
    return _pk_list(session.get("recently_viewed"))[:RECENTLY_VIEWED_LIMIT]


def remember_viewed(session, pk):
    """Put `pk` first, without repeats, keeping at most the limit."""
    viewed = [pk] + [p for p in recently_viewed(session) if p != pk]
    new = viewed[:RECENTLY_VIEWED_LIMIT]
    if session.get("recently_viewed") != new:
        session["recently_viewed"] = new

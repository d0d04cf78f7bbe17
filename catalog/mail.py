"""The library's e-mails to patrons: plain text, sent after the change commits, never fatal.

A mail server that refuses or times out is logged at WARNING (logger `catalog.mail`, which
propagates to the root logger) and never undoes the desk's work.
"""

import logging

from django.conf import settings
from django.core.mail import get_connection, send_mail

logger = logging.getLogger("catalog.mail")


def library_name():
    return getattr(settings, "LIBRARY_NAME", "LocalLibrary")


def send_plain(*, to, subject, body):
    """Send one plain-text e-mail; True when the server took it, False (and logged) if not."""
    if not to:
        return False
    # A slow mail server holds up one request for at most EMAIL_TIMEOUT seconds.
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 10
    try:
        send_mail(
            subject,
            body,
            None,
            [to],
            connection=get_connection(fail_silently=False, timeout=timeout),
        )
    except Exception:
        logger.warning("Could not send the e-mail %r to %s", subject, to, exc_info=True)
        return False
    return True


def hold_ready_message(*, username, title, ready_until):
    """Subject and body of the "ready to collect" e-mail."""
    name = library_name()
    subject = f"{name}: {title} is ready to collect"
    body = (
        f"Hello {username},\n\n"
        f'The book you placed a hold on, "{title}", is ready to collect at {name}.\n'
        f"We keep it for you until {ready_until.isoformat()}; after that day it passes to "
        f"the next reader.\n\n"
        f"{name}\n"
    )
    return subject, body


def send_hold_ready(*, to, username, title, ready_until):
    subject, body = hold_ready_message(username=username, title=title, ready_until=ready_until)
    return send_plain(to=to, subject=subject, body=body)


def reminder_message(*, username, copies, today):
    """Subject and body of the daily reminder: `copies` are (title, due_back) pairs."""
    name = library_name()
    overdue = [(title, due) for title, due in copies if due < today]
    due_soon = [(title, due) for title, due in copies if due >= today]
    subject = f"{name}: " + ("books overdue" if overdue else "books due soon")
    lines = [f"Hello {username},", ""]
    if overdue:
        lines.append("These books are overdue; please bring them back:")
        lines += [f"  - {title} (due {due.isoformat()})" for title, due in overdue]
        lines.append("")
    if due_soon:
        lines.append("These books are due soon:")
        lines += [f"  - {title} (due {due.isoformat()})" for title, due in due_soon]
        lines.append("")
    lines += ["You can renew a loan from your page of borrowed books.", "", name, ""]
    return subject, "\n".join(lines)


def send_reminder(*, to, username, copies, today):
    subject, body = reminder_message(username=username, copies=copies, today=today)
    return send_plain(to=to, subject=subject, body=body)

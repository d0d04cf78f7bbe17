"""The library's e-mails to patrons: plain text, sent after the change commits, never fatal.

A mail server that refuses or times out is logged at WARNING (logger `catalog.mail`, which
propagates to the root logger) and never undoes the desk's work.
"""

import logging
import smtplib
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import get_connection, send_mail

from .models import HOLD_READY_DAYS

logger = logging.getLogger("catalog.mail")


class MailServerUnreachable(Exception):
    """The mail server could not be reached, or stopped answering: a batch stops there."""


def _timeout():
    # A slow mail server holds up one request for at most EMAIL_TIMEOUT seconds.
    return getattr(settings, "EMAIL_TIMEOUT", None) or 10


def _server_gone(error):
    """True for a connection that failed, dropped or timed out; False for a message the
    server refused (an unknown recipient, say), after which the next message may go."""
    refused = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)
    return isinstance(error, OSError) and not isinstance(error, refused)


def library_name():
    return getattr(settings, "LIBRARY_NAME", "LocalLibrary")


def send_plain(*, to, subject, body, connection=None):
    """Send one plain-text e-mail; True when the server took it, False (and logged) if not.

    In a batch (`connection` from batch_connection()), a server that is gone raises
    MailServerUnreachable instead, so the batch stops rather than wait for each e-mail.
    """
    if not to:
        return False
    try:
        send_mail(
            subject,
            body,
            None,
            [to],
            connection=connection or get_connection(fail_silently=False, timeout=_timeout()),
        )
    except Exception as error:
        if connection is not None and _server_gone(error):
            raise MailServerUnreachable from error
        logger.warning("Could not send the e-mail %r to %s", subject, to, exc_info=True)
        return False
    return True


@contextmanager
def batch_connection():
    """One connection to the mail server for a batch of e-mails (the daily reminders).

    Raises MailServerUnreachable when it cannot be opened: a dead or hung server then costs
    the batch one EMAIL_TIMEOUT, not one per e-mail.
    """
    connection = get_connection(fail_silently=False, timeout=_timeout())
    try:
        connection.open()
    except Exception as error:
        raise MailServerUnreachable from error
    try:
        yield connection
    finally:
        try:
            connection.close()
        except Exception:  # a server that went away mid-batch: nothing left to close
            pass


def hold_ready_message(*, username, title, ready_until):
    """Subject and body of the "ready to collect" e-mail."""
    name = library_name()
    subject = f"{name}: {title} is ready to collect"
    body = (
        f"Hello {username},\n\n"
        f'The book you placed a hold on, "{title}", is ready to collect at {name} '
        f"within {HOLD_READY_DAYS} days.\n"
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


def send_reminder(*, to, username, copies, today, connection=None):
    subject, body = reminder_message(username=username, copies=copies, today=today)
    return send_plain(to=to, subject=subject, body=body, connection=connection)

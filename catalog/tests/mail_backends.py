"""E-mail backends for tests: a real backend class the site loads from EMAIL_BACKEND."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend

REFUSING = "catalog.tests.mail_backends.RefusingEmailBackend"


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that refuses every message, as a broken SMTP relay does."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("Relay access denied")

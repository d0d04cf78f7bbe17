"""E-mail backends for tests: a real backend class the site loads from EMAIL_BACKEND."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend

REFUSING = "catalog.tests.mail_backends.RefusingEmailBackend"
REFUSING_FIRST = "catalog.tests.mail_backends.RefusingFirstRecipientBackend"


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that refuses every message, as a broken SMTP relay does."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("Relay access denied")


class RefusingFirstRecipientBackend(BaseEmailBackend):
    """A mail server that refuses the first recipient given to this connection (an unknown
    address) and takes the others, as Django's SMTP backend reports it."""

    refused = None

    def send_messages(self, email_messages):
        for message in email_messages:
            for recipient in message.recipients():
                if self.refused in (None, recipient):
                    self.refused = recipient
                    raise smtplib.SMTPRecipientsRefused({recipient: (550, b"No such user")})
        return len(email_messages)

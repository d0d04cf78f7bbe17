"""E-mail each borrower their copies overdue or due within 2 days: the library's daily job.

    python manage.py send_overdue_reminders

At most one e-mail per borrower per day however often it runs, on however many servers
(remembered in the database); none to users without an e-mail address.
"""

from django.core.management.base import BaseCommand

from catalog.services import send_overdue_reminders


class Command(BaseCommand):
    help = "E-mail borrowers whose copies are overdue or due within 2 days (once a day each)."

    def handle(self, *args, **options):
        sent = send_overdue_reminders()
        self.stdout.write(f"Sent {sent} reminder e-mail{'' if sent == 1 else 's'}.")

"""End ready holds not collected within 7 days: the library's daily job.

    python manage.py expire_holds

Each expired hold's copy passes to the next patron in the queue (who gets an e-mail) or
becomes available. Running it again on the same day changes nothing.
"""

from django.core.management.base import BaseCommand

from catalog.services import expire_holds


class Command(BaseCommand):
    help = "End ready holds not collected in time; their copies pass on to the queue."

    def handle(self, *args, **options):
        expired = expire_holds()
        self.stdout.write(f"Expired {expired} hold{'' if expired == 1 else 's'}.")

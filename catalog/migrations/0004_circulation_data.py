"""Give Librarians the loan and hold permissions, and copies already on loan their open Loan.

Copies marked on loan before loans existed (demo data, the seeder, an older database) get an
open loan lent today and due when the copy is (or today when it has no date), so the copy and
its loan agree from the start.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

LIBRARIANS = "Librarians"
MODELS = ("loan", "hold", "remindersent")
ON_LOAN = "o"


def grant_permissions(apps, schema_editor):
    # Permissions are normally made after `migrate` ends (post_migrate): make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    librarians, _ = Group.objects.get_or_create(name=LIBRARIANS)
    librarians.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalog", content_type__model__in=MODELS
        )
    )


def revoke_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for librarians in Group.objects.filter(name=LIBRARIANS):
        librarians.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="catalog", content_type__model__in=MODELS
            )
        )


def open_loans_for_copies_on_loan(apps, schema_editor):
    BookInstance = apps.get_model("catalog", "BookInstance")
    Loan = apps.get_model("catalog", "Loan")
    today = timezone.localdate()
    BookInstance.objects.filter(status=ON_LOAN, due_back__isnull=True).update(due_back=today)
    with_open_loan = Loan.objects.filter(returned_on__isnull=True).values("copy_id")
    copies = BookInstance.objects.filter(status=ON_LOAN).exclude(pk__in=with_open_loan)
    batch = []
    for copy in copies.values("id", "borrower_id", "due_back").iterator(chunk_size=2000):
        batch.append(
            Loan(
                copy_id=copy["id"],
                borrower_id=copy["borrower_id"],
                lent_on=today,
                due_back=copy["due_back"],
            )
        )
        if len(batch) >= 2000:
            Loan.objects.bulk_create(batch)
            batch = []
    Loan.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0003_loan_hold_remindersent"),
    ]

    operations = [
        migrations.RunPython(grant_permissions, revoke_permissions),
        migrations.RunPython(open_loans_for_copies_on_loan, migrations.RunPython.noop),
    ]

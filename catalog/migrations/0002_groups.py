"""Create the Librarians and Library Members groups, so a new install needs no admin clicks."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LIBRARIANS = "Librarians"
LIBRARY_MEMBERS = "Library Members"


def create_groups(apps, schema_editor):
    # Permissions are normally made after `migrate` ends (post_migrate): make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    librarians, _ = Group.objects.get_or_create(name=LIBRARIANS)
    librarians.permissions.add(*Permission.objects.filter(content_type__app_label="catalog"))
    Group.objects.get_or_create(name=LIBRARY_MEMBERS)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[LIBRARIANS, LIBRARY_MEMBERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

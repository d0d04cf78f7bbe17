"""Let Librarians see and lift login lockouts in the admin (django-axes' access attempts).

Deleting an access attempt in the admin ("Access attempts") lifts that lockout at once.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LIBRARIANS = "Librarians"
CODENAMES = ("view_accessattempt", "delete_accessattempt", "view_accessfailurelog")


def lockout_permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="axes", codename__in=CODENAMES)


def grant_permissions(apps, schema_editor):
    # Permissions are normally made after `migrate` ends (post_migrate): make them now.
    app_config = apps.get_app_config("axes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    librarians, _ = Group.objects.get_or_create(name=LIBRARIANS)
    librarians.permissions.add(*lockout_permissions(apps))


def revoke_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for librarians in Group.objects.filter(name=LIBRARIANS):
        librarians.permissions.remove(*lockout_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("axes", "0010_accessattemptexpiration"),
        ("catalog", "0007_catalog_version"),
    ]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]

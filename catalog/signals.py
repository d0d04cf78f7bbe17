"""The one rule a plain delete must not skip: a deleted hold's set-aside copy goes on."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import services
from .models import Hold


@receiver(post_delete, sender=Hold)
def free_copy_of_deleted_hold(sender, instance, **kwargs):
    services.free_copy_of_deleted_hold(instance)

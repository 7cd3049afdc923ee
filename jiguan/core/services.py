"""Generic audited writes for plain registers (no workflow): one place, so a plain create or update
through a form or a serializer is validated and audited exactly like a service write."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from jiguan.audit import services as audit


@transaction.atomic
def generic_create(instance, *, save_m2m: Callable[[], None] | None = None):
    instance.full_clean()
    instance.save()
    if save_m2m:
        save_m2m()
    audit.record_create(instance)
    return instance


@transaction.atomic
def generic_update(instance, changes: dict):
    before = audit.snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    audit.record_update(instance, before)
    return instance

"""Base for management commands that write: they run as a named user (``--as``), so their audit
records say who ran them. Without ``--as`` they run as the system (actor empty, channel command)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jiguan.core.context import acting_as


class AuditedCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--as", dest="acting_username", default=None,
                            help="username the command acts as (recorded in the audit log)")

    def execute(self, *args, **options):
        username = options.get("acting_username")
        user = None
        if username:
            from django.apps import apps

            user = apps.get_model("org", "User").objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no such user: {username}")
        with acting_as(user, channel="command"):
            return super().execute(*args, **options)

    def handle(self, *args, **options):  # pragma: no cover - subclasses implement
        raise NotImplementedError

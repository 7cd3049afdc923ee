from django.conf import settings
from django.db import transaction

from jiguan.core.demo import loaders
from jiguan.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = "Load the demo data of every module (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        with transaction.atomic():
            for label, module in loaders():
                self.stdout.write(f"demo data: {label}")
                module.load(self.stdout)
        from jiguan.org.demo import DEMO_USERS
        from jiguan.org.models import Role

        role_names = dict(Role.objects.values_list("code", "name"))

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("演示账号 (demo accounts), password for all: "
                                             f"{settings.JIGUAN_DEMO_PASSWORD}"))
        for username, full_name, _unit, roles in DEMO_USERS:
            self.stdout.write(f"  {username:<14} {full_name}（{'、'.join(role_names.get(r, r) for r, _u, _s in roles) or '—'}）")

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from jiguan.core.demo import loaders
from jiguan.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = ("Load the demo data of every module (idempotent) and print the demo accounts. Runs only "
            "with DEBUG on (the dev settings of manage.py) or JIGUAN_DEMO=1.")

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.JIGUAN_DEMO):
            # The demo creates province-wide administrators whose password is published.
            raise CommandError(
                "load_demo refused: these settings are not a demo (DEBUG is off and JIGUAN_DEMO is not set). "
                "The demo data creates administrators of the whole province with the published demo "
                "password; never load it into a production database. For a demo or training database, "
                "run it with JIGUAN_DEMO=1.")
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

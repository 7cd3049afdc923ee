from django.core.management.base import BaseCommand

from jiguan.audit import services


class Command(BaseCommand):
    help = ("Seal (chain) the audit records still pending: what the audit-seal beat entry does every "
            "minute, for installations that run it from cron. Records are normally sealed right after "
            "their transaction commits.")

    def handle(self, *args, **options):
        sealed = services.seal_all()
        waiting, oldest = services.pending_summary()
        self.stdout.write(f"sealed {sealed} audit records; {waiting} pending")

import sys

from django.core.management.base import BaseCommand

from jiguan.audit.verify import verify_chain


class Command(BaseCommand):
    help = ("Verify the hash chain (HMAC-SM3 with the audit key) of the audit log. Exits 0 when intact, "
            "1 naming the first broken record.")

    def handle(self, *args, **options):
        def progress(n):
            if options["verbosity"] > 1:
                self.stderr.write(f"checked {n} records")

        result = verify_chain(progress=progress)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} records verified"))
            if result.checked:  # kept off the server (cron mail, syslog), it shows later truncation
                self.stdout.write(f"last record {result.checked}, hash {result.last_hash}")
            if result.plain:
                self.stdout.write(f"records 1-{result.plain} are from before the audit key (plain SM3), "
                                  f"the rest are signed with the audit key (HMAC-SM3)")
            return
        self.stderr.write(self.style.ERROR(
            f"audit chain BROKEN at record {result.broken_id}: {result.reason} "
            f"({result.checked} records verified before it)"))
        sys.exit(1)

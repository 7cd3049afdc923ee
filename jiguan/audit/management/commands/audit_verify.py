import sys

from django.core.management.base import BaseCommand

from jiguan.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the SM3 hash chain of the audit log. Exits 0 when intact, 1 naming the first broken record."

    def handle(self, *args, **options):
        def progress(n):
            if options["verbosity"] > 1:
                self.stderr.write(f"checked {n} records")

        result = verify_chain(progress=progress)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.checked} records verified"))
            return
        self.stderr.write(self.style.ERROR(
            f"audit chain BROKEN at record {result.broken_id}: {result.reason} "
            f"({result.checked} records verified before it)"))
        sys.exit(1)

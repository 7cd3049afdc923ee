import sys
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from jiguan.audit.verify import plain_prefix, verify_chain

SEAL_LATE_MINUTES = 5  # records are sealed after commit and by the audit-seal sweep every minute


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
                self.stdout.write(f"records 1-{result.plain} are from before the audit key (plain SM3, "
                                  f"JIGUAN_AUDIT_PLAIN_UNTIL={result.plain_until}), the rest are signed with "
                                  f"the audit key (HMAC-SM3)")
            if result.plain_until > result.plain:
                self.stdout.write(self.style.WARNING(
                    f"JIGUAN_AUDIT_PLAIN_UNTIL={result.plain_until} lies beyond the records from before the "
                    f"audit key: set it to {result.plain} so that no later record can be plain SM3"))
            if result.pending:
                late = result.pending_oldest < timezone.now() - timedelta(minutes=SEAL_LATE_MINUTES)
                line = (f"{result.pending} records are written but not sealed yet (the oldest at "
                        f"{result.pending_oldest:%Y-%m-%d %H:%M:%S %Z})")
                if late:
                    self.stdout.write(self.style.WARNING(
                        line + ": the sealer is not running; start beat (audit-seal) or run manage.py "
                               "audit_seal from cron"))
                else:
                    self.stdout.write(line)
            return
        self.stderr.write(self.style.ERROR(
            f"audit chain BROKEN at record {result.broken_id}: {result.reason} "
            f"({result.checked} records verified before it)"))
        if result.beyond_plain_until and not result.plain_until:
            # An installation upgraded from a release without the audit key, the setting not made yet.
            prefix = plain_prefix()
            self.stderr.write(
                f"the log begins with {prefix} records without a key. Only if this installation was upgraded "
                f"from a release without the audit key and its last audit_verify before the upgrade verified "
                f"{prefix} records, set JIGUAN_AUDIT_PLAIN_UNTIL={prefix}; otherwise records were rewritten "
                f"without the key")
        sys.exit(1)

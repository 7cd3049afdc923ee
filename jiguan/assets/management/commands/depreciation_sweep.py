from jiguan.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = ("Fail the depreciation runs still running whose worker has shown no progress for longer than "
            "DEPRECIATION_HEARTBEAT_MINUTES, so they can be run again: the sweep that Celery beat runs "
            "(jiguan.assets.jobs.depreciation_sweep), for deployments without beat (e.g. from cron).")

    def handle(self, *args, **options):
        from jiguan.assets import depreciation

        self.stdout.write(f"depreciation runs failed for lack of progress: {depreciation.runs_sweep()}")

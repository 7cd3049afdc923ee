from jiguan.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = ("Apply decided-but-unapplied approval outcomes and mark or clear stuck requests: the sweep that "
            "Celery beat runs (jiguan.workflow.tasks.sweep), for deployments without beat (e.g. from cron).")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--min-age", type=int, default=60,
                            help="seconds an outcome waits for its own task before the sweep applies it (60)")

    def handle(self, *args, **options):
        from jiguan.workflow import services

        result = services.workflow_sweep(min_age=options["min_age"])
        outcomes, requests = result["outcomes"], result["requests"]
        self.stdout.write(f"outcomes applied: {outcomes['applied']}, failed: {outcomes['failed']}; "
                          f"requests marked stuck: {requests['stuck']}, cleared: {requests['cleared']}")

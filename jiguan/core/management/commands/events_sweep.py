from jiguan.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = ("Deliver the events for other systems (事件推送) that are due: first attempts that were lost and "
            "retries whose back-off is over. The sweep Celery beat runs every minute "
            "(jiguan.core.events.tasks.sweep), for deployments without beat (e.g. cron).")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--limit", type=int, default=1000, help="deliveries attempted in one run (1000)")

    def handle(self, *args, **options):
        from jiguan.core.events import services

        result = services.sweep(limit=options["limit"])
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in sorted(result.items())) or "nothing due")

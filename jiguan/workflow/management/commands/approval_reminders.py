from jiguan.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = ("Remind (催办) the approvers of requests that have waited JIGUAN_REMINDER_AFTER_HOURS at their step and "
            "were not reminded since: the task Celery beat runs hourly (jiguan.workflow.tasks.remind), for "
            "deployments without beat (e.g. cron).")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--hours", type=float, default=None,
                            help="hours a request waits before a reminder, and between two (default: the setting)")

    def handle(self, *args, **options):
        from jiguan.workflow import reminders

        result = reminders.reminders_send(hours=options["hours"])
        self.stdout.write(f"requests reminded: {result['requests']}, notifications: {result['notifications']}")

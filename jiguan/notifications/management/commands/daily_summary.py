import datetime as dt

from django.core.management.base import CommandError

from jiguan.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = ("Send the daily summary (每日汇总) of a day to every user with something in it: the task Celery beat "
            "runs at 07:00 (jiguan.notifications.tasks.daily_summary), for deployments without beat (e.g. cron). "
            "A user already sent that day's summary is skipped.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--day", default=None, help="the day summarised, YYYY-MM-DD (default: yesterday)")

    def handle(self, *args, **options):
        from jiguan.notifications import digest

        day = None
        if options["day"]:
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError:
                raise CommandError(f"--day must be YYYY-MM-DD, not {options['day']!r}") from None
        result = digest.daily_summary(day=day)
        self.stdout.write(f"summaries sent: {result['sent']}, already sent: {result['skipped']}")

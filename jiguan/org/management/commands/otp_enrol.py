"""``manage.py otp_enrol <username>``: bind a new second-factor device (动态口令) to an administrator."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jiguan.core.context import acting_as
from jiguan.org import otp, services
from jiguan.org.models import User


class Command(BaseCommand):
    help = ("Bind a new TOTP device to an administrator (三员): prints the otpauth:// URI and a QR code "
            "to scan with an authenticator app, then asks for the code the app shows to confirm the "
            "device. Replaces the account's device; until confirmed the account cannot sign in. "
            "Without a terminal, confirm later with --confirm CODE.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--confirm", metavar="CODE", help="confirm the device bound earlier with its current code")
        parser.add_argument("--no-qr", action="store_true", help="print the URI only")

    def handle(self, *args, username, confirm=None, no_qr=False, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username!r}")
        with acting_as(None, channel="command"):
            if confirm is not None:
                return self.confirm(user, confirm)
            if not services.needs_second_factor(user):
                self.stderr.write(f"note: {username} holds no administrator duty (or JIGUAN_ADMIN_OTP is off): "
                                  "the device is not asked for at sign-in")
            _device, uri = services.otp_enrol(user=user)
        self.stdout.write(f"otpauth URI (a secret: show it to {username} only):\n{uri}\n")
        if not no_qr:
            otp.qr_terminal(uri, self.stdout)
        if not sys.stdin.isatty():
            self.stdout.write(f"confirm with: manage.py otp_enrol {username} --confirm <code shown by the app>")
            return
        code = input("code shown by the app: ")
        with acting_as(None, channel="command"):
            self.confirm(user, code)

    def confirm(self, user, code):
        try:
            services.otp_confirm(user=user, code=code)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"device of {user.username} confirmed: the second factor is asked at sign-in")

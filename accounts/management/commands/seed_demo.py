"""python manage.py seed_demo: demo institutions, people and one login per role."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_INSTITUTIONS, DEMO_PASSWORD, seed_accounts_demo
from accounts.models import Institution
from attendance.demo import seed_attendance_demo
from recognition.demo import seed_recognition_demo


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        logins = seed_accounts_demo()
        for spec in DEMO_INSTITUTIONS:
            institution = Institution.objects.get(slug=spec.slug)
            held = seed_attendance_demo(institution=institution)
            self.stdout.write(
                f"{institution.name}: {held['sessions']} sessions, {held['records']} records "
                f"({', '.join(f'{n} {s}' for s, n in sorted(held['statuses'].items()))})"
            )
            gait = seed_recognition_demo(institution=institution)
            self.stdout.write(
                f"  gait: {gait['enrolled']} people enrolled; recognitions "
                + ", ".join(f"{n} {d}" for d, n in gait["recognitions"].items())
            )
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at /login/ with:"))
        width = max(len(username) for username, _, _ in logins)
        for username, institution, role in logins:
            self.stdout.write(
                f"  {username.ljust(width)}  {DEMO_PASSWORD}  {role} at {institution}"
            )

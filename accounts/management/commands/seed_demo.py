"""python manage.py seed_demo: demo institutions, people and one login per role."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, seed_accounts_demo


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        logins = seed_accounts_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at /login/ with:"))
        width = max(len(username) for username, _, _ in logins)
        for username, institution, role in logins:
            self.stdout.write(
                f"  {username.ljust(width)}  {DEMO_PASSWORD}  {role} at {institution}"
            )

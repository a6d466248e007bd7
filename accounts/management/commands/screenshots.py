"""python manage.py screenshots: every page, from the demo data, into docs/screenshots/*.png.

Seeds (or refreshes) the demo data, serves the portal from a thread of this process on a free
local port, and drives Debian's headless chromium through Playwright (never a downloaded
browser). Desktop pages at 1280 px; the roster and dashboard also at a phone's 390 px.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import Institution, Person
from accounts.tenancy import tenant_scope
from attendance.models import Session
from recognition.models import Decision, GaitSample, Recognition

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
MAX_HEIGHT = 1600
PHONE_USER = "northfield-instructor"  # the phone pictures: an instructor at the classroom door
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # the command prints what it saves instead
        pass


def _serve() -> tuple[ThreadedWSGIServer, str]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=True)
    server.set_app(StaticFilesHandler(WSGIHandler()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _pages(slug: str) -> dict[str, str]:
    """Addresses of the pages to capture, from the demo institution's own rows."""
    institution = Institution.objects.get(slug=slug)
    with tenant_scope(institution):
        session = (
            Session.objects.filter(records__status="late").order_by("-starts_at").first()
            or Session.objects.order_by("-starts_at").first()
        )
        person = Person.objects.filter(attendance_records__session=session).first()
        identified = (
            GaitSample.objects.filter(
                purpose="identify", status="done", recognitions__decision=Decision.ACCEPTED
            )
            .order_by("-created_at")
            .first()
        )
        enrolled = Person.objects.filter(gait_templates__isnull=False).first()
        flagged = Recognition.objects.filter(decision=Decision.NEEDS_REVIEW).exists()
        own = (
            Session.objects.filter(
                unit__instructors__username=PHONE_USER, starts_at__lte=timezone.now()
            )
            .order_by("-starts_at")
            .first()
        )
    return {
        "dashboard": "/dashboard/",
        "sessions": "/attendance/",
        "week": "/attendance/week/",
        "roster": f"/attendance/sessions/{session.pk}/",
        "roster-correct": f"/attendance/sessions/{session.pk}/?person={person.pk}#panel",
        "people": "/people/",
        "person": f"/people/{person.pk}/",
        "units": "/units/",
        "reports": "/reports/",
        "person-history": f"/reports/people/{person.pk}/",
        "settings": "/settings/",
        "upload": "/recognition/upload/",
        "samples": "/recognition/samples/",
        "recognitions": "/recognition/recognitions/",
        **({"sample": f"/recognition/samples/{identified.pk}/"} if identified else {}),
        **({"review": "/recognition/review/"} if flagged else {}),
        **({"enrolment": f"/recognition/people/{enrolled.pk}/"} if enrolled else {}),
        "phone-roster": f"/attendance/sessions/{own.pk}/",
    }


class Command(BaseCommand):
    help = "Regenerate docs/screenshots/*.png from the demo data with headless chromium."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "screenshots"))
        parser.add_argument("--no-seed", action="store_true", help="Use the data as it is.")

    def handle(self, *args, out: str, no_seed: bool, **options) -> None:
        if not os.path.exists(CHROMIUM):
            raise CommandError(f"{CHROMIUM} is missing: run `make browser`.")
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        from playwright.sync_api import sync_playwright

        if not no_seed:
            call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        target = Path(out)
        target.mkdir(parents=True, exist_ok=True)
        pages = _pages("northfield-academy")
        server, base = _serve()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                self._capture(browser, base, pages, target)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()

    def _login(self, browser, base: str, username: str, width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#institution-name")
        return context, page

    def _shot(self, page, base: str, path: str, file: Path) -> None:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        if page.locator(".skeleton-viewer").count():
            # a few frames into the walk, so the picture shows a stride
            page.wait_for_selector('.skeleton-viewer[data-ready="true"]')
            page.eval_on_selector(
                ".skeleton-viewer input[type=range]",
                "el => { el.value = 12; el.dispatchEvent(new Event('input')); }",
            )
        # the whole page, cut at MAX_HEIGHT (a report of a hundred rows says enough in its top)
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        width = page.viewport_size["width"]
        page.screenshot(
            path=str(file), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
        )
        self.stdout.write(f"  {file}")

    def _capture(self, browser, base: str, pages: dict[str, str], target: Path) -> None:
        page = browser.new_page()
        page.goto(f"{base}/login/")
        page.screenshot(path=str(target / "login.png"))
        page.close()
        context, page = self._login(browser, base, "northfield-admin", 1280, 900)
        for name, path in pages.items():
            if name.startswith("phone-"):
                continue
            self._shot(page, base, path, target / f"{name}.png")
        context.close()
        context, page = self._login(browser, base, PHONE_USER, 390, 844)
        for name in ("dashboard", "phone-roster", "sessions"):
            file = target / (name if name.startswith("phone-") else f"phone-{name}")
            self._shot(page, base, pages[name], file.with_suffix(".png"))
        context.close()
        self.stdout.write(self.style.SUCCESS(f"Screenshots in {target}"))

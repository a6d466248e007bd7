"""python manage.py gait_upgrade_model: move every institution to the deployed shipped model.

Run after a deploy that changes the shipped model (settings.GAIT_MODEL_PATH), beside `migrate`.
An institution matching with an earlier shipped model gets the new model's version: its gallery
re-embedded from the kept keypoints, calibrated on them, then activated. Institutions already on
the deployed model, or on a model adapted to them, are left as they are. Workers do the same for
an institution they meet first, so skipping the command delays, never mixes, anything.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.models import Institution
from accounts.tenancy import tenant_scope
from recognition import services
from recognition.models import GaitTemplate


class Command(BaseCommand):
    help = "Move every institution on an earlier shipped gait model to the deployed one."

    def handle(self, *args, **options) -> None:
        moved = 0
        for institution in Institution.objects.order_by("slug"):
            with tenant_scope(institution):
                before = services.model_version_active(institution=institution)
                version = services.shipped_model_upgrade(institution=institution)
                if version is None:
                    self.stdout.write(f"{institution.slug}: stays on {before.model_version}")
                    continue
                templates = GaitTemplate.objects.filter(model_version=version).count()
                source = "the model's own" if version.is_fallback else "calibrated"
                moved += 1
                self.stdout.write(
                    f"{institution.slug}: {before.model_version} -> {version.model_version}, "
                    f"{templates} templates, threshold {version.threshold:.3f} ({source})"
                )
        self.stdout.write(f"{moved} institution(s) moved to the deployed model.")

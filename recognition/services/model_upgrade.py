"""Moving an institution to a newly deployed shipped model.

Templates are comparable only with embeddings of the network that made them. When a deploy
brings a new shipped model, an institution whose active version is the earlier shipped one
gets a version for the new model, its gallery re-embedded from the kept keypoints and
calibrated, and only then activated: matching never mixes two networks. `manage.py
gait_upgrade_model` does it for every institution after a deploy; workers do it on their own
for an institution they meet first (model_version_for_work). An adapted model stays active: it
is its own checkpoint, and the site chose it on its own walks.

Concurrent workers may both re-embed: templates are unique per (version, sample, walker), so
the loser's insert fails as a database error and its task is retried.
"""

from __future__ import annotations

from accounts.models import Institution
from recognition.models import GaitModelVersion
from recognition.services.gallery import gallery_reembed
from recognition.services.versions import (
    model_version_activate,
    model_version_active,
    model_version_shipped,
    shipped_version_is_deployed,
)


def shipped_model_upgrade(*, institution: Institution) -> GaitModelVersion | None:
    """The deployed shipped model's version, re-embedded, calibrated and activated, when the
    institution's active version is an earlier shipped model; None when nothing is to move.

    Call inside the institution's tenant scope (on a worker: it runs the network).
    """
    active = model_version_active(institution=institution)
    return None if shipped_version_is_deployed(active) else _move(institution, active)


def model_version_for_work(*, institution: Institution) -> GaitModelVersion:
    """The active version, after moving the institution to the deployed shipped model if its
    active version is an earlier one: what a worker embeds and matches with."""
    active = model_version_active(institution=institution)
    return active if shipped_version_is_deployed(active) else _move(institution, active)


def _move(institution: Institution, active: GaitModelVersion) -> GaitModelVersion:
    version = model_version_shipped(institution=institution)
    if version.parent_id is None:
        version.parent = active
        version.save(update_fields=["parent"])
    gallery_reembed(version=version)
    return model_version_activate(version=version)

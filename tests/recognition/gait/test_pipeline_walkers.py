"""Which people of a clip are embedded: walkers, not people standing or seated in view."""

from __future__ import annotations

import pytest

from recognition.gait.embedding import GaitEmbedder
from recognition.gait.errors import NoPersonFoundError
from recognition.gait.pipeline import analyse_tracks
from recognition.gait.synthetic import generate_person, walk

from .perception_helpers import standing_still


@pytest.fixture(scope="module")
def embedder() -> GaitEmbedder:
    return GaitEmbedder.from_checkpoint()


@pytest.mark.parametrize("view", [0.0, 90.0, 160.0])
def test_someone_standing_by_the_door_is_left_out_with_the_reason(embedder, view):
    walker = walk(generate_person(3), "nm", view, seed=4)
    walker.track_id = 1
    waiting = standing_still(walk(generate_person(8), "nm", 90.0, seed=1), frame=5, seed=2)
    analysis = analyse_tracks([walker, waiting], embedder=embedder)
    assert [w.track_id for w in analysis.walkers] == [1]
    assert analysis.walkers[0].direction != "unknown"
    [skipped] = analysis.skipped
    assert skipped["track_id"] == waiting.track_id
    assert skipped["reason"].startswith("not walking")


def test_a_clip_with_nobody_walking_says_so(embedder):
    waiting = standing_still(walk(generate_person(8), "cl", 30.0, seed=1), frame=12, seed=3)
    with pytest.raises(NoPersonFoundError, match="no walker to recognise: not walking"):
        analyse_tracks([waiting], embedder=embedder)

"""The one joint layout the engine speaks: COCO-17.

Every input format (video through a pose backend, AlphaPose, OpenPose, MMPose, COCO, CSV, NPY)
is mapped to arrays of shape [T, 17, 3] holding (x, y, confidence) per joint in this order.
x and y are pixels in the source image (x to the right, y downwards); confidence is in [0, 1],
and a joint that was not detected has confidence 0 (its x, y are then meaningless).
"""

from __future__ import annotations

COCO17_JOINTS: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NUM_JOINTS = len(COCO17_JOINTS)
JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(COCO17_JOINTS)}

# Index of each joint's mirror image (left <-> right); used by flips and left/right swaps.
FLIP_INDEX: tuple[int, ...] = tuple(
    JOINT_INDEX[name.replace("left_", "@").replace("right_", "left_").replace("@", "right_")]
    for name in COCO17_JOINTS
)

# Bones as (child, parent) pairs; the tree is rooted at the nose through the shoulders.
BONES: tuple[tuple[int, int], ...] = (
    (1, 0),
    (2, 0),
    (3, 1),
    (4, 2),
    (5, 0),
    (6, 0),
    (7, 5),
    (8, 6),
    (9, 7),
    (10, 8),
    (11, 5),
    (12, 6),
    (13, 11),
    (14, 12),
    (15, 13),
    (16, 14),
)

# Undirected edges of the skeleton graph used by the graph network (bones plus the two
# cross links that keep the torso rigid).
EDGES: tuple[tuple[int, int], ...] = (*BONES, (5, 6), (11, 12))

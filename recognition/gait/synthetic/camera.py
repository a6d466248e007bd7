"""A pinhole camera looking at a walking path from a given view angle.

View angles follow CASIA-B's convention: 0 = the person walks straight towards the camera
(front view), 90 = side view (the camera sees the walker's left side), 180 = walking away
(back view); 270 sees the right side. Angles in between are oblique views.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PinholeCamera:
    position: np.ndarray  # world (x forward along the walk, y up, z right)
    rotation: np.ndarray  # 3x3, rows: image right, image down, optical axis (world coords)
    focal: float  # pixels
    image_size: tuple[int, int]  # (width, height)

    @classmethod
    def look_at(cls, position, target, focal: float, image_size: tuple[int, int]) -> PinholeCamera:
        position = np.asarray(position, dtype=float)
        forward = np.asarray(target, dtype=float) - position
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 1.0, 0.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        return cls(position, np.stack([right, down, forward]), float(focal), image_size)

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points) - self.position) @ self.rotation.T

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates [..., 2] and depth [...] of world points [..., 3]."""
        cam = self.to_camera(points)
        depth = cam[..., 2]
        safe = np.maximum(depth, 1e-3)
        w, h = self.image_size
        uv = np.stack(
            [self.focal * cam[..., 0] / safe + w / 2, self.focal * cam[..., 1] / safe + h / 2],
            -1,
        )
        return uv, depth


def view_direction(view_deg: float) -> np.ndarray:
    """Horizontal unit vector from the path towards the camera for a view angle."""
    a = np.deg2rad(view_deg)
    return np.array([np.cos(a), 0.0, -np.sin(a)])

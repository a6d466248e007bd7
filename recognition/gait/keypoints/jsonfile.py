"""Reading and writing the JSON files several keypoint formats use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from recognition.gait.errors import KeypointFormatError


def parse_json_text(text: str | bytes, where: str) -> Any:
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise KeypointFormatError(f"{where}: not JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        # some of json's messages end in " at" because its own text goes on with the position
        problem = exc.msg.removesuffix(" at")
        raise KeypointFormatError(
            f"{where}: not JSON ({problem} at line {exc.lineno}, column {exc.colno})"
        ) from None


def load_json(path: Path) -> Any:
    return parse_json_text(path.read_bytes(), str(path))


def dump_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    return path


def rounded(values, digits: int = 3) -> list[float]:
    """Floats rounded for compact files (a thousandth of a pixel is below any detector's noise)."""
    return [round(float(v), digits) for v in values]

"""OpenAPI post-processing: the error answers every operation can give, declared once."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": 'What went wrong: {"detail": "..."} or, for invalid input, '
    '{"<field>": ["<message>", ...], ...} naming each field.',
    "additionalProperties": True,
}
ERROR_RESPONSE = {
    "description": "Client error: invalid input (400), not signed in (401), role too low "
    "(403), not found or another institution's (404), too many requests (429).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def add_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Give every operation a 4XX answer with the error body DRF sends (drf-spectacular hook).

    Without it the schema claims each operation answers only 2xx, and clients (and the
    schemathesis suite's status code check) cannot tell a refusal from a contract break.
    """
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("4XX", ERROR_RESPONSE)
    return result

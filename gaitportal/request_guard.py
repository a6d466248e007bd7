"""Refuses requests whose path, query, headers or cookies carry NUL characters.

A NUL reaches PostgreSQL as part of a lookup (an `X-Institution` slug, an API key prefix, a
session cookie, a search term) and fails there as a 500. No legitimate client sends one, so it
is refused at the door with a 400 naming where it was, before anything else reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

NUL = "\x00"
MESSAGE = "NUL characters (\\x00) are not allowed."


def _header_name(meta_key: str) -> str:
    name = meta_key.removeprefix("HTTP_")
    return "-".join(part.capitalize() for part in name.split("_"))


def _places(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """(where, value) for every client-controlled value read before the view parses a body.

    Not the path: URL patterns decide it (an id converter or a token pattern does not match a
    NUL, and the route answers 404 as for any other name that does not exist).
    """
    for key, values in request.GET.lists():
        yield key, key
        for value in values:
            yield key, value
    for key, value in request.META.items():
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            yield _header_name(key), str(value)


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for where, value in _places(request):
            if NUL in value:
                if request.path.startswith("/api/"):
                    return JsonResponse({where: [MESSAGE]}, status=400)
                return HttpResponseBadRequest(f"{where}: {MESSAGE}", content_type="text/plain")
        return self.get_response(request)

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class APIRootView(APIView):
    """Where to start: the schema, the interactive docs and how to authenticate."""

    permission_classes = [AllowAny]
    schema = None  # a signpost, not part of the API contract

    def get(self, request: Request) -> Response:
        return Response(
            {
                "schema": reverse("schema", request=request),
                "docs": reverse("api-docs", request=request),
                "token": reverse("auth-token", request=request),
                "me": reverse("me", request=request),
                "authentication": "Authorization: Token <token> (users) or Api-Key <key> "
                "(devices and integrations); X-Institution: <slug> picks the institution.",
            }
        )

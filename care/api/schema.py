"""OpenAPI generation: every operation also documents the error answers it can give, in the common format."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from .serializers import ErrorSerializer

ERRORS = {
    "400": "Invalid input; `fields` names each bad field.",
    "401": "Not signed in, or the token is not valid in this unit.",
    "403": "Signed in, but the role may not do this.",
    "404": "No such object within your scope, or no such page.",
    "429": "Too many attempts; retry after the Retry-After header's seconds.",
}


class CareAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                error = OpenApiResponse(ErrorSerializer, description=ERRORS[code])
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses

    def _error_codes(self) -> list[str]:
        codes = []
        lists = self.method == "GET" and self._is_list_view()
        if self.method != "GET" or lists:  # bodies and filters are validated
            codes.append("400")
        if not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        if "{" in self.path or lists:  # an object out of scope, or a page past the end
            codes.append("404")
        if self.view.throttle_classes:
            codes.append("429")
        return codes


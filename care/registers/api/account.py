"""The signed-in account (`me`) and API tokens. Tokens are stored in the unit's own schema, like its accounts:
a token of one unit is unknown at every other."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from care.registers import access
from care.registers.api.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer
from carehub.api.base import ApiSourceMixin


class MeView(ApiSourceMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        """Who you are here: role, where you act, and what you may do (for clients to shape their screens)."""
        user = request.user
        scope = access.scope_of(user)
        return Response(MeSerializer({
            "id": user.pk, "email": user.email, "full_name": user.full_name, "role": user.role,
            "node": scope.node if scope else None,
            "can_write": access.can_write(user), "can_see_sensitive": access.can_see_sensitive(user),
            "unit": request.tenant.name,
        }).data)


class TokenView(ApiSourceMixin, APIView):
    """POST exchanges a unit account's email and password for its token; DELETE revokes the token in use."""

    authentication_classes = [TokenAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(request=TokenRequestSerializer, responses=TokenSerializer, auth=[])
    def post(self, request):
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        email, password = credentials.validated_data["email"].lower(), credentials.validated_data["password"]
        user = authenticate(request._request, email=email, password=password)
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": [_("Unable to log in with provided credentials.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=204)

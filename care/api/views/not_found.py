"""Unknown URLs under /api/: a 404 in the API's error format rather than the portal's HTML page."""

from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class NotFoundView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    schema = None  # not an endpoint

    def initial(self, request, *args, **kwargs):
        raise NotFound

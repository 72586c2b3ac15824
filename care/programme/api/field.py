"""The phone's side of field work (care.programme.services.field): the snapshot it keeps offline, and the records
it sends when the signal returns. A session whose account was deactivated gets its own error code, on which the
phone wipes what it keeps."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from care.programme.api.serializers import FieldReceiptSerializer, FieldRecordSerializer, FieldSnapshotSerializer
from care.programme.services import field
from carehub.accounts.services import deactivated_session
from carehub.api.base import ApiSourceMixin


class AccountDeactivated(exceptions.NotAuthenticated):
    default_detail = _("Your account was deactivated.")
    default_code = "account_deactivated"


class FieldConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class FieldView(ApiSourceMixin, GenericAPIView):
    def permission_denied(self, request, message=None, code=None):
        if not request.user.is_authenticated and deactivated_session(request):
            raise AccountDeactivated
        super().permission_denied(request, message=message, code=code)


class FieldSnapshotView(FieldView):
    serializer_class = FieldSnapshotSerializer

    def get(self, request):
        """What your phone keeps to work offline: your open tasks due within 14 days and their members."""
        return Response(FieldSnapshotSerializer(field.snapshot(request.user)).data)


class FieldRecordView(FieldView):
    serializer_class = FieldRecordSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": FieldRecordSerializer}, responses={
        201: FieldReceiptSerializer, 200: OpenApiResponse(FieldReceiptSerializer, "Stored by an earlier try."),
        409: OpenApiResponse(description="task_done, task_cancelled or member_out_of_scope: nothing stored.")})
    def post(self, request):
        """Send a visit or talk recorded on the phone. Retries are safe: a client_id already stored answers 200
        with the stored record."""
        serializer = FieldRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        common = {name: data.pop(name) for name in ("client_id", "kind", "happened_at")}
        member_id, task_id, photos = data.pop("member"), data.pop("task", None), data.pop("photos", [])
        try:
            received = field.receive(request.user, member_id=member_id, task_id=task_id, photos=photos,
                                     fields=data, **common)
        except field.FieldConflict as conflict:
            raise FieldConflictError(conflict.message, conflict.code) from None
        record = received.record
        task = record.tasks.first()
        receipt = {"client_id": record.client_id, "kind": common["kind"], "id": record.pk,
                   "member": record.member_id, "task": task.pk if task else None,
                   "happened_at": record.happened_at, "received_at": record.created_at,
                   "duplicate": received.duplicate}
        return Response(FieldReceiptSerializer(receipt).data,
                        status=status.HTTP_200_OK if received.duplicate else status.HTTP_201_CREATED)

"""Records of care work: visits (with photos served only after the access check), talks (confidential notes only
to those allowed, each reading audited), life events, pairings with their coverage, and commendations."""

import posixpath

import django_filters
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED
from rest_framework.views import APIView

from care.programme import access
from care.programme.api.serializers import (
    CommendationCreateSerializer,
    CommendationSerializer,
    CoverageSerializer,
    LifeEventCreateSerializer,
    LifeEventSerializer,
    PairingCreateSerializer,
    PairingEndSerializer,
    PairingSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    TalkCreateSerializer,
    TalkDetailSerializer,
    TalkSerializer,
    VisitCreateSerializer,
    VisitSerializer,
)
from care.programme.models import Commendation, LifeEvent, Pairing, Talk, Visit
from care.programme.services import commendations, coverage, events, pairing, records
from care.registers.filters import SubtreeFilter
from carehub.api.base import ApiSourceMixin, CareViewSet


def member_filter(model, date_field: str):
    class Filter(django_filters.FilterSet):
        member = django_filters.NumberFilter(field_name="member_id")
        node = SubtreeFilter(path_field="member__node__path", field_name="member__node")
        date = django_filters.DateFromToRangeFilter(field_name=date_field, help_text="date_after=…&date_before=…")

        class Meta:
            fields = ["member", "node", "date"]

    Filter.Meta.model = model
    Filter.__name__ = f"{model.__name__}Filter"
    return Filter


@extend_schema_view(create=extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer}))
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    serializer_class = VisitSerializer
    filterset_class = member_filter(Visit, "visited_on")
    ordering_fields = ["visited_on", "id"]
    ordering = ["-visited_on", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return access.visible_visits(self.request.user).select_related("member", "recorded_by").prefetch_related(
            "visitors", "photos", "tasks")

    def create(self, request):
        """Record a visit; the open tasks named in `tasks` are completed by it."""
        data = self.validated(VisitCreateSerializer)
        visit = records.record_visit(request.user, data.pop("member"), **data)
        return Response(VisitSerializer(self.get_queryset().get(pk=visit.pk), context=self.get_serializer_context())
                        .data, status=HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": PhotoUploadSerializer}, responses={201: PhotoSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request, pk=None):
        """Attach a photo (multipart/form-data)."""
        photo = records.add_photo(request.user, self.get_object(), self.validated(PhotoUploadSerializer)["file"])
        return Response(PhotoSerializer(photo, context=self.get_serializer_context()).data, status=HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, url_path=r"photos/(?P<photo_id>\d+)", url_name="photo")
    def photo(self, request, pk=None, photo_id=None):
        """Download a photo: access is checked like the visit's; there is no public URL."""
        photo = get_object_or_404(self.get_object().photos.all(), pk=photo_id)
        try:
            handle = photo.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, filename=posixpath.basename(photo.file.name))
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema_view(create=extend_schema(request=TalkCreateSerializer, responses={201: TalkDetailSerializer}))
class TalkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    filterset_class = member_filter(Talk, "held_on")
    ordering_fields = ["held_on", "id"]
    ordering = ["-held_on", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return TalkSerializer if self.action == "list" else TalkDetailSerializer

    def get_queryset(self):
        return access.visible_talks(self.request.user).select_related("member", "recorded_by").prefetch_related(
            "participants", "tasks")

    def create(self, request):
        """Record a talk; the open tasks named in `tasks` are completed by it."""
        data = self.validated(TalkCreateSerializer)
        talk = records.record_talk(request.user, data.pop("member"), **data)
        return Response(TalkDetailSerializer(self.get_queryset().get(pk=talk.pk),
                                             context=self.get_serializer_context()).data, status=HTTP_201_CREATED)


@extend_schema_view(create=extend_schema(request=LifeEventCreateSerializer, responses={201: LifeEventSerializer}))
class LifeEventViewSet(mixins.ListModelMixin, CareViewSet):
    serializer_class = LifeEventSerializer
    filterset_class = member_filter(LifeEvent, "occurred_on")
    ordering = ["-occurred_on", "-id"]
    ordering_fields = ["occurred_on", "id"]

    def get_queryset(self):
        return access.visible_life_events(self.request.user).select_related("member").prefetch_related("tasks")

    def create(self, request):
        """Record what happened; the unit's rules for it create their tasks at once."""
        data = self.validated(LifeEventCreateSerializer)
        event = events.record_life_event(request.user, data.pop("member"), **data)
        return Response(LifeEventSerializer(event).data, status=HTTP_201_CREATED)


class PairingFilter(member_filter(Pairing, "started_on")):
    partner = django_filters.NumberFilter(field_name="partner_id")
    current = django_filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull")

    class Meta:
        model = Pairing
        fields = ["member", "node", "date", "partner", "current"]


@extend_schema_view(create=extend_schema(request=PairingCreateSerializer, responses={201: PairingSerializer}))
class PairingViewSet(mixins.ListModelMixin, CareViewSet):
    serializer_class = PairingSerializer
    filterset_class = PairingFilter
    ordering = ["-started_on", "-id"]
    ordering_fields = ["started_on", "id"]

    def get_queryset(self):
        return access.visible_pairings(self.request.user).select_related("member", "partner")

    def create(self, request):
        """Give the member a partner; the current pairing ends (history is kept) and open tasks follow."""
        data = self.validated(PairingCreateSerializer)
        return Response(PairingSerializer(pairing.assign_partner(request.user, data.pop("member"), **data)).data,
                        status=HTTP_201_CREATED)

    @extend_schema(request=PairingEndSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the pairing; the member's open tasks go back to the node's secretary."""
        current = self.get_object()
        ended = pairing.end_pairing(request.user, current.member, **self.validated(PairingEndSerializer))
        return Response(PairingSerializer(ended).data)


class CoverageView(ApiSourceMixin, APIView):
    @extend_schema(responses=CoverageSerializer)
    def get(self, request):
        """Hardship members without a partner, and each partner's workload, within your scope."""
        return Response(CoverageSerializer({"unpaired": coverage.unpaired(request.user),
                                            "workload": coverage.workload(request.user)}).data)


class CommendationFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    member = django_filters.NumberFilter(field_name="member_id")

    class Meta:
        model = Commendation
        fields = ["year", "member"]


@extend_schema_view(create=extend_schema(request=CommendationCreateSerializer,
                                         responses={201: CommendationSerializer}))
class CommendationViewSet(mixins.ListModelMixin, CareViewSet):
    serializer_class = CommendationSerializer
    filterset_class = CommendationFilter
    ordering = ["-year", "title", "id"]
    ordering_fields = ["year", "awarded_on", "id"]

    def get_queryset(self):
        return access.visible_commendations(self.request.user).select_related("member", "node")

    def create(self, request):
        """Commend a member or an organisation; a member's commendation also calls for a talk."""
        data = self.validated(CommendationCreateSerializer)
        return Response(CommendationSerializer(commendations.record_commendation(request.user, **data)).data,
                        status=HTTP_201_CREATED)

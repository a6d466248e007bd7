from __future__ import annotations

import django_filters

from gaitportal.api.filters import IdFilter, IsoDateTimeFilter
from recognition.models import Decision, GaitSample, Recognition


class RecognitionFilter(django_filters.FilterSet):
    decision = django_filters.ChoiceFilter(choices=Decision.choices)
    person = IdFilter(field_name="person_id")
    camera = IdFilter(field_name="sample__camera_id")
    sample = IdFilter(field_name="sample_id")
    since = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    reviewed = django_filters.BooleanFilter(
        field_name="reviewed_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Recognition
        fields = ["decision", "person", "camera", "sample", "since", "until", "reviewed"]


class SampleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GaitSample.Status.choices)
    purpose = django_filters.ChoiceFilter(choices=GaitSample.Purpose.choices)
    person = IdFilter(field_name="person_id")
    camera = IdFilter(field_name="camera_id")

    class Meta:
        model = GaitSample
        fields = ["status", "purpose", "person", "camera"]

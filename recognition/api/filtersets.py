from __future__ import annotations

import django_filters

from recognition.models import Decision, GaitSample, Recognition


class RecognitionFilter(django_filters.FilterSet):
    decision = django_filters.ChoiceFilter(choices=Decision.choices)
    person = django_filters.NumberFilter(field_name="person_id")
    camera = django_filters.NumberFilter(field_name="sample__camera_id")
    sample = django_filters.NumberFilter(field_name="sample_id")
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    reviewed = django_filters.BooleanFilter(
        field_name="reviewed_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Recognition
        fields = ["decision", "person", "camera", "sample", "since", "until", "reviewed"]


class SampleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GaitSample.Status.choices)
    purpose = django_filters.ChoiceFilter(choices=GaitSample.Purpose.choices)
    person = django_filters.NumberFilter(field_name="person_id")
    camera = django_filters.NumberFilter(field_name="camera_id")

    class Meta:
        model = GaitSample
        fields = ["status", "purpose", "person", "camera"]

"""Shapes of the open data API. Field names are a public contract: add, never rename."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from benchmarking.families import family_for_metric
from benchmarking.models import Metric, ReferenceValue, SimilarCouncil
from benchmarking.periods import period_sort_key
from benchmarking.services import METRIC_COLUMNS
from selfreg.models import Council, Visibility

# --- councils --------------------------------------------------------------------------------


class CouncilSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="kind", help_text="Council type code, such as UA.")
    type_name = serializers.CharField(source="get_kind_display")
    county_gss_code = serializers.CharField(
        source="county.gss_code", allow_null=True, default=None, help_text="Two-tier areas only."
    )
    successors = serializers.SerializerMethodField(
        help_text="GSS codes of the councils that took over from this one, if abolished."
    )

    class Meta:
        model = Council
        fields = [
            "gss_code",
            "name",
            "official_name",
            "type",
            "type_name",
            "nation",
            "region",
            "county_gss_code",
            "population",
            "area_km2",
            "start_date",
            "end_date",
            "successors",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_successors(self, council: Council) -> list[str]:
        # Reads the prefetched successors: no query per council.
        return sorted(s.gss_code for s in council.successors.all() if s.gss_code)


class SimilarCouncilSerializer(serializers.ModelSerializer):
    gss_code = serializers.CharField(source="neighbour.gss_code")
    name = serializers.CharField(source="neighbour.name")
    closest_variables = serializers.SerializerMethodField(
        help_text="The three context variables on which the two councils are closest."
    )
    shares = serializers.DictField(
        child=serializers.FloatField(),
        help_text="Each context variable's share of the distance between the two councils.",
    )

    class Meta:
        model = SimilarCouncil
        # `kind` comes after the columns the API had before it, so old readers still work.
        fields = [
            "rank",
            "gss_code",
            "name",
            "distance",
            "coverage",
            "closest_variables",
            "kind",
            "valid_from",
            "valid_to",
            "shares",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_closest_variables(self, similar: SimilarCouncil) -> list[str]:
        return similar.closest_variables(3)


# --- metrics ---------------------------------------------------------------------------------

METRIC_FIELDS = [*METRIC_COLUMNS, "dataset"]


class MetricSerializer(serializers.ModelSerializer):
    similar_set = serializers.SerializerMethodField(
        help_text=(
            "The similar councils this measure is compared with by default: overall, people, "
            "place or finance (the group similar-<set>:<gss>, or similar:<gss> for overall)."
        )
    )

    class Meta:
        model = Metric
        fields = [*METRIC_FIELDS, "similar_set"]

    def get_similar_set(self, metric: Metric) -> str:
        return family_for_metric(metric)


class ReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferenceValue
        fields = ["period", "area_code", "area_name", "value", "lower", "upper"]


class MetricDetailSerializer(MetricSerializer):
    periods = serializers.SerializerMethodField(
        help_text="Periods with values you may see, oldest first."
    )
    references = serializers.SerializerMethodField(
        help_text=(
            "Figures for a whole nation as the source publishes them (England, say), with "
            "their confidence limits where given; oldest first. Never part of any group's "
            "statistics."
        )
    )

    class Meta(MetricSerializer.Meta):
        fields = [*METRIC_FIELDS, "similar_set", "periods", "references"]

    @extend_schema_field(ReferenceSerializer(many=True))
    def get_references(self, metric: Metric) -> list[dict]:
        rows = sorted(
            metric.references.all(), key=lambda r: (period_sort_key(r.period), r.area_code)
        )
        return ReferenceSerializer(rows, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_periods(self, metric: Metric) -> list[str]:
        return self.context["periods"]


# --- values ----------------------------------------------------------------------------------


class ValueSerializer(serializers.Serializer):
    """Reads rows of `Value.objects.values(...)` annotated as in `api.VALUE_COLUMNS`."""

    gss_code = serializers.CharField()
    council = serializers.CharField(source="council_name", help_text="The council's name.")
    metric = serializers.CharField(source="metric_code", help_text="The metric's code.")
    period = serializers.CharField()
    value = serializers.FloatField()
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    sample_size = serializers.FloatField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    updated_at = serializers.DateTimeField()


class ValueRowSerializer(serializers.Serializer):
    """One row of a submission. Documents the shape only: `values_import` checks every row."""

    gss_code = serializers.CharField()
    metric_code = serializers.CharField()
    period = serializers.CharField(help_text="2019, 2019-20, 2019-20 Q1 or 2019-22.")
    value = serializers.FloatField()
    numerator = serializers.FloatField(required=False, allow_null=True)
    denominator = serializers.FloatField(required=False, allow_null=True)
    sample_size = serializers.FloatField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class ValueSubmissionSerializer(serializers.Serializer):
    """A JSON object form of a submission, for clients that want to set visibility inline."""

    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    confirm_unusual = serializers.BooleanField(
        required=False,
        help_text="true saves values far outside their measure's usual range; without it "
        "they are refused with a 400 listing them.",
    )
    rows = ValueRowSerializer(many=True)


class ValueUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or XLSX, one row per value.")
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    confirm_unusual = serializers.BooleanField(
        required=False,
        help_text="true saves values far outside their measure's usual range; without it "
        "they are refused with a 400 listing them.",
    )


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text=(
            "JSON: the row's position in the list, from 1. CSV/XLSX: the row as a spreadsheet "
            "shows it (the header is row 1). 0: the submission as a whole."
        )
    )
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class RejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    problems = ProblemSerializer(many=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- comparisons -----------------------------------------------------------------------------


class StatisticsSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True)
    lower_quartile = serializers.FloatField(
        allow_null=True, help_text="null when fewer than 5 councils have a figure."
    )
    upper_quartile = serializers.FloatField(
        allow_null=True, help_text="null when fewer than 5 councils have a figure."
    )
    mean = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    no_quartiles_reason = serializers.CharField(
        allow_null=True,
        help_text=(
            "Why the group has no quartiles and no council a quartile band, when it has too few "
            "councils with a figure (fewer than 5); null otherwise."
        ),
    )


class PositionSerializer(serializers.Serializer):
    gss_code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    percentile = serializers.FloatField(allow_null=True)
    quartile_band = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "1 is the best quarter; null where polarity is neutral or fewer than 5 councils "
            "have a figure (see statistics.no_quartiles_reason)."
        ),
    )
    rank = serializers.IntegerField(allow_null=True, help_text="1 is best.")
    change = serializers.FloatField(
        allow_null=True, help_text="Since the previous period of the same kind."
    )
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    significant = serializers.BooleanField(
        allow_null=True, help_text="The 95% interval excludes the group median."
    )


class ComparisonSerializer(serializers.Serializer):
    metric = serializers.CharField(help_text="The metric's code.")
    metric_title = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    polarity = serializers.CharField()
    period = serializers.CharField()
    group = serializers.CharField(help_text="The group's canonical label.")
    audience = serializers.ChoiceField(
        choices=["public", "sector", "custom"],
        help_text=(
            "Which values the figures cover: public ones, public and sector-only ones, or "
            "(custom groups) every value you may see."
        ),
    )
    statistics = StatisticsSerializer()
    councils = PositionSerializer(many=True)

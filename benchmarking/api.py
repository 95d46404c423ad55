"""The open data API, `/api/v1/`: anyone reads public data; officers and sector staff write.

Who may see a value is decided by benchmarking's access module alone (`visible_values` and
`audiences_of`); who may write is checked inside `services.values_import`. Every list
is also served as CSV with `?format=csv`: JSON lists are paginated (limit/offset, 500 a page),
CSV is not, so one request gets every row.
"""

from __future__ import annotations

import json

import pandas as pd
from django.conf import settings
from django.db.models import F, Prefetch, Q
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException, NotFound, ParseError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from benchmarking import access, readcache, selectors, services
from benchmarking.charts import TOO_FEW_FOR_QUARTILES
from benchmarking.comparisons import too_few_for_quartiles
from benchmarking.eras import period_day
from benchmarking.groups import (
    BY_MEASURE,
    GROUP_FORMS,
    codes,
    group_for_metric,
    region_area,
    region_q,
    resolve_group,
    stored_kinds,
)
from benchmarking.models import (
    Element,
    Metric,
    SimilarCouncil,
    SimilarityKind,
    Source,
)
from benchmarking.periods import PeriodError, latest, parse_period, sort_periods
from benchmarking.renderers import CSVRenderer
from benchmarking.serializers import (
    ComparisonSerializer,
    CouncilSerializer,
    DetailSerializer,
    ImportResultSerializer,
    MetricDetailSerializer,
    MetricSerializer,
    PositionSerializer,
    RejectedSerializer,
    SimilarCouncilSerializer,
    StatisticsSerializer,
    ValueRowSerializer,
    ValueSerializer,
    ValueSubmissionSerializer,
    ValueUploadSerializer,
)
from selfreg import access as kernel_access
from selfreg.fileproblems import FileProblems, Problem, read_table
from selfreg.models import Council, CouncilType, Nation, Visibility
from selfreg.tokens import HashedTokenAuthentication

JSON = "application/json"
MAX_LATEST = 50
MAX_PAGE = 5000  # rows a JSON page may ask for with `limit`; CSV gets every row anyway
# A submission is a list of rows or an object holding one: three levels. Anything much
# deeper is not a submission, and deep enough it would exhaust Python's recursion limit.
MAX_JSON_DEPTH = 10


class BadParameter(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "A parameter is not valid."
    default_code = "bad_parameter"


class TooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The submission is too large."
    default_code = "too_large"


# --- shared parts ----------------------------------------------------------------------------

NOT_BLANK = r"^[!-~]+$"  # codes, periods and groups: printable ASCII, no spaces

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    description="`csv` returns every row (not paginated) as a CSV attachment.",
)
ERRORS = {
    400: OpenApiResponse(DetailSerializer, description="A parameter is missing or not valid."),
    404: OpenApiResponse(DetailSerializer, description="Something named does not exist."),
}

CSV_RESPONSE = OpenApiResponse(
    OpenApiTypes.STR, description="With `format=csv`: every row, flattened (see renderers.py)."
)


def list_responses(serializer, *errors: int) -> dict:
    """A paginated JSON list, or with `format=csv` the whole list as CSV."""
    return {
        (200, JSON): serializer(many=True),
        (200, "text/csv"): CSV_RESPONSE,
        **{code: ERRORS[code] for code in errors},
    }


class Pages(LimitOffsetPagination):
    """500 rows a page; `limit` may ask for up to MAX_PAGE (a bigger one gets MAX_PAGE,
    rather than a number the database cannot take)."""

    max_limit = MAX_PAGE


def json_depth(data) -> int:
    """How deeply lists and objects nest in parsed JSON (a number or text: 0)."""
    depth, level = 0, [data]
    while level:
        containers = [item for item in level if isinstance(item, list | dict)]
        if not containers:
            break
        depth += 1
        level = [
            child
            for item in containers
            for child in (item.values() if isinstance(item, dict) else item)
        ]
    return depth


class SubmissionJSONParser(JSONParser):
    """JSON, refused with a 400 when it nests too deeply to be a submission."""

    def parse(self, stream, media_type=None, parser_context=None):
        message = f"The JSON nests more than {MAX_JSON_DEPTH} levels deep; send a list of rows."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(message)
        return data


class OpenDataMixin:
    """JSON and CSV, throttled, CSV unpaginated."""

    renderer_classes = [JSONRenderer, CSVRenderer]
    pagination_class = Pages
    throttle_classes = [AnonRateThrottle, UserRateThrottle]
    csv_name = "data"

    def get_renderers(self):
        # CSV is a way of reading; a write always answers in JSON, as documented.
        if self.request.method not in SAFE_METHODS:
            return [JSONRenderer()]
        return super().get_renderers()

    def wants_csv(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return getattr(renderer, "format", None) == CSVRenderer.format

    def paginate_queryset(self, queryset):
        if self.wants_csv():
            return None
        return super().paginate_queryset(queryset)

    def csv_filename(self) -> str:
        return f"{self.csv_name}.csv"

    def csv_header(self) -> list[str]:
        return list(self.get_serializer().fields)


def boolean(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no"}:
        return False
    raise BadParameter(f"{name} must be true or false.")


def metric_or_404(code: str) -> Metric:
    metric = Metric.objects.filter(code=code.strip()).first()
    if metric is None:
        raise NotFound(f"No metric has the code '{code.strip()}'.")
    return metric


def period_label(text: str) -> str:
    try:
        return parse_period(text).label
    except PeriodError as error:
        raise BadParameter(str(error)) from None


# --- councils --------------------------------------------------------------------------------


def councils_queryset():
    successors = Prefetch("successors", queryset=Council.objects.only("pk", "gss_code"))
    return Council.objects.with_gss().select_related("county").prefetch_related(successors)


@extend_schema_view(
    get=extend_schema(
        summary="Councils, current and abolished",
        parameters=[
            OpenApiParameter(
                "type", str, description="Council type code(s), comma-separated: UA, NMD, …"
            ),
            OpenApiParameter("nation", str, enum=Nation.values),
            OpenApiParameter(
                "region",
                str,
                description="A region's name, slug or ONS code (E12000001), or a nation's name.",
            ),
            OpenApiParameter(
                "current", bool, description="true: councils that exist today; false: abolished."
            ),
            FORMAT_PARAMETER,
        ],
        responses=list_responses(CouncilSerializer, 400),
    )
)
class CouncilList(OpenDataMixin, generics.ListAPIView):
    serializer_class = CouncilSerializer
    csv_name = "councils"

    def get_queryset(self):
        params = self.request.query_params
        councils = councils_queryset()
        if kinds := codes(params.get("type")):
            kinds = [kind.upper() for kind in kinds]
            unknown = [kind for kind in kinds if kind not in CouncilType.values]
            if unknown:
                raise BadParameter(
                    f"Unknown council type {', '.join(unknown)}. "
                    f"Use one of {', '.join(CouncilType.values)}."
                )
            councils = councils.filter(kind__in=kinds)
        if nation := params.get("nation", "").strip():
            by_lower = {value.lower(): value for value in Nation.values}
            if nation.lower() not in by_lower:
                raise BadParameter(f"Unknown nation. Use one of {', '.join(Nation.values)}.")
            councils = councils.filter(nation=by_lower[nation.lower()])
        if region := params.get("region", "").strip():
            found = region_area(region)
            if found is None:
                raise BadParameter(f"No region is called '{region}'.")
            councils = councils.filter(region_q(found[1]))
        if current := params.get("current", "").strip():
            today = Council.objects.current()
            councils = (
                councils.filter(pk__in=today.values("pk"))
                if boolean("current", current)
                else councils.exclude(pk__in=today.values("pk"))
            )
        return councils.order_by("name", "gss_code")


@extend_schema(summary="One council", responses={200: CouncilSerializer, 404: ERRORS[404]})
class CouncilDetail(OpenDataMixin, generics.RetrieveAPIView):
    serializer_class = CouncilSerializer
    queryset = Council.objects.all()
    lookup_field = "gss_code"

    def get_object(self):
        return kernel_access.access_council_by_gss(
            self.request.user, self.kwargs["gss_code"].upper()
        )


@extend_schema_view(
    get=extend_schema(
        summary="A council's similar councils, nearest first",
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                enum=[*SimilarityKind.values, "all"],
                default="overall",
                description=(
                    "The similarity set: overall, people services, place services or finance "
                    "(docs/method/similar-councils.md), or all four."
                ),
            ),
            OpenApiParameter(
                "period",
                str,
                description=(
                    "A period such as 2012-13: the similar councils chosen among the councils "
                    "that existed then. Default: today's councils."
                ),
            ),
            FORMAT_PARAMETER,
        ],
        responses=list_responses(SimilarCouncilSerializer, 400, 404),
    )
)
class SimilarCouncilList(OpenDataMixin, generics.ListAPIView):
    serializer_class = SimilarCouncilSerializer

    def get_queryset(self):
        council = kernel_access.access_council_by_gss(
            self.request.user, self.kwargs["gss_code"].upper()
        )
        kind = self.request.query_params.get("kind", SimilarityKind.OVERALL).strip().lower()
        if kind not in (*SimilarityKind.values, "all"):
            raise BadParameter(f"kind must be one of {', '.join(SimilarityKind.values)} or all.")
        period = self.request.query_params.get("period", "").strip()
        found = SimilarCouncil.objects.filter(council=council)
        found = found.as_of(period_day(period_label(period))) if period else found.current()
        if kind != "all":
            found = found.of_kind(kind)
        return found.select_related("neighbour").order_by("kind", "rank")

    def csv_filename(self) -> str:
        return f"similar-councils-{self.kwargs['gss_code'].upper()}.csv"

    def csv_header(self) -> list[str]:
        # `shares` is an object: its keys become `shares.<variable>` columns after these.
        return [name for name in self.get_serializer().fields if name != "shares"]


# --- metrics ---------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="The metric catalogue",
        parameters=[
            OpenApiParameter("element", str, enum=Element.values),
            OpenApiParameter("dataset", str, description="The dataset a metric came with."),
            FORMAT_PARAMETER,
        ],
        responses=list_responses(MetricSerializer, 400),
    )
)
class MetricList(OpenDataMixin, generics.ListAPIView):
    serializer_class = MetricSerializer
    csv_name = "metrics"

    def get_queryset(self):
        params = self.request.query_params
        metrics = Metric.objects.all()
        if element := params.get("element", "").strip():
            if element not in Element.values:
                raise BadParameter(f"Unknown element. Use one of {', '.join(Element.values)}.")
            metrics = metrics.filter(element=element)
        if "dataset" in params:
            metrics = metrics.filter(dataset=params["dataset"].strip())
        return metrics.order_by("element", "code")


@extend_schema(
    summary="One metric, with the periods that have values you may see",
    responses={200: MetricDetailSerializer, 404: ERRORS[404]},
)
class MetricDetail(OpenDataMixin, generics.RetrieveAPIView):
    serializer_class = MetricDetailSerializer
    queryset = Metric.objects.all()
    lookup_field = "code"

    def get_object(self):
        return metric_or_404(self.kwargs["code"])

    def retrieve(self, request, *args, **kwargs):
        metric = self.get_object()
        labels = access.visible_values(request.user, metric=metric).values_list("period", flat=True)
        context = {**self.get_serializer_context(), "periods": sort_periods(labels.distinct())}
        return Response(MetricDetailSerializer(metric, context=context).data)


# --- values ----------------------------------------------------------------------------------

VALUE_FIELDS = [
    "period",
    "value",
    "numerator",
    "denominator",
    "sample_size",
    "note",
    "visibility",
    "updated_at",
]
VALUE_ANNOTATIONS = {
    "gss_code": F("council__gss_code"),
    "council_name": F("council__name"),
    "metric_code": F("metric__code"),
}


class CSVTextParser(BaseParser):
    """A raw CSV body (`Content-Type: text/csv`), handed on as bytes."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class CanSubmitValues(BasePermission):
    """Reading is open; writing needs a user who may submit for at least one council."""

    message = "You cannot submit data for any council."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        return access.can_submit_values(request.user)


def text_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value)


def rows_frame(rows: list) -> pd.DataFrame:
    """A JSON list of rows as a table of text cells, as if read from a CSV file."""
    if not rows:
        raise FileProblems([Problem(1, "", "The submission has no rows of values.")])
    not_objects = [
        Problem(index + 2, "", "Each row must be a JSON object.")
        for index, row in enumerate(rows)
        if not isinstance(row, dict)
    ]
    if not_objects:
        raise FileProblems(not_objects)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return pd.DataFrame(
        [[text_cell(row.get(column)) for column in columns] for row in rows],
        columns=columns,
        dtype=str,
    )


def is_json_rows(data) -> bool:
    """Rows sent as JSON (a list, or an object's `rows`), numbered by position in the list."""
    return isinstance(data, list) or (isinstance(data, dict) and isinstance(data.get("rows"), list))


def problems_body(error: FileProblems, *, json_rows: bool) -> dict:
    """The 400 body. For JSON lists, `row` is the row's position in the list (from 1)."""

    def row(problem: Problem) -> int:
        return max(problem.row - 1, 0) if json_rows else problem.row

    count = len(error.problems)
    return {
        "detail": (
            f"The submission was rejected and nothing was written: {count} "
            f"problem{'s' if count != 1 else ''} found."
        ),
        "problems": [
            {"row": row(p), "column": p.column, "message": p.message} for p in error.problems
        ],
    }


VALUE_PARAMETERS = [
    OpenApiParameter("metric", str, description="Metric code(s), comma-separated."),
    OpenApiParameter(
        "period",
        str,
        description=(
            "Period label(s), comma-separated (2019, 2019-20, 2019-20 Q1, 2019-22), or "
            "`latest` or `latest:N`: each metric's latest N periods among the values you may "
            "see, whichever councils `area` names."
        ),
    ),
    OpenApiParameter("area", str, description="GSS code(s) of councils, comma-separated."),
    FORMAT_PARAMETER,
]
SUBMISSION = PolymorphicProxySerializer(
    component_name="ValueSubmissionJSON",
    serializers=[ValueRowSerializer(many=True), ValueSubmissionSerializer],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    get=extend_schema(
        summary="Values you may see",
        # Reading is open: with no credentials, the public values.
        auth=[{"tokenAuth": []}, {"cookieAuth": []}, {}],
        parameters=VALUE_PARAMETERS,
        responses=list_responses(ValueSerializer, 400, 404),
    ),
    post=extend_schema(
        summary="Submit values (token)",
        description=(
            'Send a JSON list of rows, a JSON object `{"visibility", "rows"}`, a CSV body '
            "(`Content-Type: text/csv`) or a multipart upload with a `file` (CSV or XLSX). "
            "`visibility` (public, sector or council; public by default) may also be given as "
            "a query parameter. The whole submission is checked first: one problem anywhere "
            "and nothing is written. Officers may submit for their own council only. Values "
            "are checked against their unit (a percentage from 0 to 100, a count not below 0). "
            "A value far outside its measure's usual range is refused with a 400 listing it, "
            "unless the submission says `confirm_unusual=true` (in the object, the form or the "
            "query): the API publishes at once and no one else sees it first, so it asks as "
            "the upload and entry pages do."
        ),
        parameters=[
            OpenApiParameter("visibility", str, enum=Visibility.values),
            OpenApiParameter("confirm_unusual", bool, description="Save unusual values."),
        ],
        request={
            "application/json": SUBMISSION,
            "multipart/form-data": ValueUploadSerializer,
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            (200, JSON): OpenApiResponse(ImportResultSerializer, description="Nothing changed."),
            (201, JSON): OpenApiResponse(
                ImportResultSerializer, description="Values were written."
            ),
            (400, JSON): OpenApiResponse(
                RejectedSerializer, description="Rejected; nothing written."
            ),
            (401, JSON): OpenApiResponse(DetailSerializer, description="No valid token."),
            (403, JSON): OpenApiResponse(
                DetailSerializer, description="May submit for no council."
            ),
            (413, JSON): OpenApiResponse(DetailSerializer, description="Too large."),
        },
    ),
)
class ValueList(OpenDataMixin, generics.ListAPIView):
    serializer_class = ValueSerializer
    # A token first, so an anonymous write gets 401 with `WWW-Authenticate: Token`.
    authentication_classes = [HashedTokenAuthentication, SessionAuthentication]
    permission_classes = [CanSubmitValues]
    parser_classes = [SubmissionJSONParser, MultiPartParser, CSVTextParser]
    csv_name = "values"

    def get_queryset(self):
        params = self.request.query_params
        user = self.request.user
        values = access.visible_values(user)
        if metric_codes := codes(params.get("metric")):
            found = dict(Metric.objects.filter(code__in=metric_codes).values_list("code", "pk"))
            missing = [code for code in metric_codes if code not in found]
            if missing:
                raise NotFound(f"No metric has the code(s) {', '.join(missing)}.")
            values = values.filter(metric_id__in=found.values())
        if area := codes(params.get("area")):
            area = [code.upper() for code in area]
            found = dict(Council.objects.filter(gss_code__in=area).values_list("gss_code", "pk"))
            missing = [code for code in area if code not in found]
            if missing:
                raise NotFound(f"No council has the code(s) {', '.join(missing)}.")
            values = values.filter(council_id__in=found.values())
        if period := params.get("period", "").strip():
            values = values.filter(self.period_q(period, metric_codes))
        return values.order_by(
            "metric__code", "period_end", "-period_start", "council__name"
        ).values(*VALUE_FIELDS, **VALUE_ANNOTATIONS)

    def period_q(self, text: str, metric_codes: list[str]) -> Q:
        if text.lower().startswith("latest"):
            n = self.latest_count(text)
            visible = access.visible_values(self.request.user)
            if metric_codes:
                visible = visible.filter(metric__code__in=metric_codes)
            by_metric: dict[int, list[str]] = {}
            for metric_id, label in visible.values_list("metric_id", "period").distinct():
                by_metric.setdefault(metric_id, []).append(label)
            q = Q(pk__in=[])
            for metric_id, labels in by_metric.items():
                q |= Q(metric_id=metric_id, period__in=latest(labels, n))
            return q
        return Q(period__in=[period_label(label) for label in codes(text)])

    @staticmethod
    def latest_count(text: str) -> int:
        word, _, count = text.partition(":")
        if word.strip().lower() != "latest":
            raise BadParameter("Use period=latest or period=latest:N.")
        if not count:
            return 1
        if not count.strip().isdigit() or not 1 <= int(count) <= MAX_LATEST:
            raise BadParameter(f"In latest:N, N must be a whole number from 1 to {MAX_LATEST}.")
        return int(count)

    def post(self, request, *args, **kwargs):
        # DRF reads JSON and CSV bodies past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or "0"
        multipart = request.content_type.startswith("multipart/")
        if limit and not multipart and length.isdigit() and int(length) > limit:
            raise TooLarge(f"Send at most {limit // (1024 * 1024)} MB; upload a file instead.")
        json_rows = is_json_rows(request.data)
        try:
            frame, visibility, unusual_confirmed = self.submission(request)
            report = services.values_import(
                frame=frame,
                source=Source.API,
                user=request.user,
                visibility=visibility,
                source_ref="api",
                unusual_confirmed=unusual_confirmed,
            )
        except services.UnusualValues as error:
            body = problems_body(error, json_rows=json_rows)
            body["detail"] = (
                "The submission was not written: some values are far outside their measure's "
                "usual range. Check them; if they are right, send the submission again with "
                "confirm_unusual=true."
            )
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        except FileProblems as error:
            return Response(
                problems_body(error, json_rows=json_rows), status=status.HTTP_400_BAD_REQUEST
            )
        body = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        return Response(
            body, status=status.HTTP_201_CREATED if report.changed else status.HTTP_200_OK
        )

    def submission(self, request) -> tuple[pd.DataFrame, str, bool]:
        """The submitted table as text cells, the visibility to give its values, and whether
        values far outside their usual range are confirmed (`confirm_unusual=true`)."""
        data = request.data
        visibility = request.query_params.get("visibility")
        confirm = request.query_params.get("confirm_unusual")
        if isinstance(data, dict) and "confirm_unusual" in data:
            confirm = data.get("confirm_unusual")
        if isinstance(data, bytes):
            frame = read_table(data, "values.csv")
        elif "file" in request.FILES:
            upload = request.FILES["file"]
            frame = read_table(upload.read(), upload.name or "values.csv")
            visibility = data.get("visibility") or visibility
        elif isinstance(data, list):
            frame = rows_frame(data)
        elif isinstance(data, dict) and isinstance(data.get("rows"), list):
            frame = rows_frame(data["rows"])
            visibility = data.get("visibility") or visibility
        else:
            message = (
                "Send a JSON list of rows, a JSON object with `rows`, a CSV body "
                "(Content-Type: text/csv) or a multipart upload with a `file`."
            )
            raise FileProblems([Problem(0, "", message)])
        visibility = str(visibility or Visibility.PUBLIC).strip().lower()
        if visibility not in Visibility.values:
            raise FileProblems(
                [Problem(0, "visibility", f"Use one of {', '.join(Visibility.values)}.")]
            )
        confirm = text_cell(confirm).strip().lower()
        if confirm not in ("", "true", "false"):
            raise FileProblems([Problem(0, "confirm_unusual", "Use true or false.")])
        return frame, visibility, confirm == "true"


# --- comparisons -----------------------------------------------------------------------------

STATISTIC_FIELDS = list(StatisticsSerializer().fields)
# A comparison's councils by name, or best first (those without a rank last).
COUNCIL_ORDER = {
    "name": lambda c: (c["name"], c["gss_code"]),
    "rank": lambda c: (c["rank"] is None, c["rank"] or 0, c["name"], c["gss_code"]),
}
POSITION_FIELDS = list(PositionSerializer().fields)


@extend_schema(
    summary="How councils compare in a group",
    description=(
        "Group statistics and each council's position. Councils are listed by name (`order="
        "rank` lists them best first); only councils with a value appear. Stored groups are "
        "computed over public values, or for signed-in councils and sector staff over public "
        "and sector-only values where there are any; custom groups are computed now over the "
        "values you may see."
    ),
    parameters=[
        OpenApiParameter(
            "metric", str, required=True, pattern=NOT_BLANK, description="A metric code."
        ),
        OpenApiParameter(
            "period",
            str,
            required=True,
            pattern=NOT_BLANK,
            description="A period label, or `latest` for the latest with figures for the group.",
        ),
        OpenApiParameter(
            "group", str, required=True, pattern=NOT_BLANK, description=f"One of {GROUP_FORMS}."
        ),
        OpenApiParameter("order", str, enum=["name", "rank"], default="name"),
        OpenApiParameter(
            "format",
            str,
            enum=["json", "csv"],
            description="`csv`: one row per council, the group's statistics repeated on each.",
        ),
    ],
    responses={
        (200, JSON): ComparisonSerializer,
        (200, "text/csv"): CSV_RESPONSE,
        **ERRORS,
    },
)
class ComparisonDetail(OpenDataMixin, APIView):
    def get(self, request, *args, **kwargs):
        params = request.query_params
        missing = [
            name for name in ("metric", "period", "group") if not params.get(name, "").strip()
        ]
        if missing:
            raise BadParameter(
                f"Missing parameter{'s' if len(missing) > 1 else ''}: {', '.join(missing)}."
            )
        order = params.get("order", "name").strip().lower() or "name"
        if order not in ("name", "rank"):
            raise BadParameter("order must be name or rank.")
        metric = metric_or_404(params["metric"])
        try:
            group = resolve_group(request.user, params["group"])
            if group.label.startswith(BY_MEASURE):
                group = group_for_metric(group, metric, stored_kinds(group.label.partition(":")[2]))
            period = params["period"].strip()
            if period.lower() != "latest":
                period = period_label(period)
            data = self.comparison(request.user, metric, period, group, order)
        except LookupError as error:
            raise NotFound(str(error)) from None
        self.names = (metric.code, data["period"], group.label)
        return Response(data)

    def comparison(self, user, metric, period: str, group, order: str) -> dict:
        """The comparison as sent. Readers who may see the same figures share one copy until
        the figures change (readcache); custom groups are worked out each time."""

        def compute() -> dict:
            found = selectors.comparison_read(user, metric, period, group)
            statistics = found.statistics
            reason = TOO_FEW_FOR_QUARTILES if too_few_for_quartiles(statistics["n"]) else None
            data = {
                "metric": metric.code,
                "metric_title": metric.title,
                "unit": metric.unit,
                "polarity": metric.polarity,
                "period": found.period,
                "group": group.label,
                "audience": found.audience,
                "statistics": {**statistics, "no_quartiles_reason": reason},
                "councils": sorted(found.councils, key=COUNCIL_ORDER[order]),
            }
            return dict(ComparisonSerializer(data).data)

        if group.is_custom:
            return compute()
        parts = (metric.pk, period, group.label, order)
        return readcache.shared(user, "api-comparison", parts, compute)

    # CSV: one row per council, the group's statistics repeated as `statistics.<name>`.

    def csv_header(self) -> list[str]:
        return [
            "metric",
            "period",
            "group",
            "audience",
            *(f"statistics.{name}" for name in STATISTIC_FIELDS),
            *POSITION_FIELDS,
        ]

    def csv_rows(self, data) -> list[dict]:
        common = {key: data[key] for key in ("metric", "period", "group", "audience")}
        stats = {f"statistics.{name}": data["statistics"][name] for name in STATISTIC_FIELDS}
        return [{**common, **stats, **council} for council in data["councils"]]

    def csv_filename(self) -> str:
        metric, period, group = getattr(self, "names", ("comparison", "", ""))
        words = f"{metric} {period} {group}".replace(":", " ").replace(",", " ")
        return f"comparison-{slugify(words)[:120]}.csv"

"""Inventory REST API (docs/architecture.md §4): public catalog reads (cached), ADMIN writes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.cache import cached
from catalog.serializers import (
    MAX_PAGE_SIZE,
    CategoryOutput,
    ProductInput,
    ProductListQuery,
    ProductOutput,
    ProductPage,
    ReservationInput,
    StockInput,
    StockOutput,
    TrendingOutput,
)
from catalog.trending import trending_ids, view_record
from retail_common.auth.permissions import IsAdminRole
from retail_common.http.openapi import openapi_extensions
from retail_common.http.pagination import StandardPagination


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CatalogView(APIView):
    """Reads are public; writes need the ADMIN role."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method in ("GET", "HEAD", "OPTIONS") else [IsAdminRole()]


def cache_key(request, name: str) -> str:
    # Host is part of the key: answers carry absolute image and page links.
    params = urlencode(sorted(request.query_params.items()))
    return f"{name}:{request.get_host()}:{request.path}?{params}"


def rendered(data) -> bytes:
    """Cached answers are stored rendered: a hit costs no serializer and no renderer."""
    return JSONRenderer().render(data)


def json_response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


# Where a product's id and sku lead (OpenAPI links, followed by the fuzzer's stateful phase).
PRODUCT_ID, PRODUCT_SKU = {"id_or_slug": "$response.body#/id"}, {"sku": "$response.body#/sku"}
PRODUCT_LINKS = {
    "GetProduct": ("GET /api/products/{id_or_slug}", PRODUCT_ID),
    "UpdateProduct": ("PATCH /api/products/{id_or_slug}", PRODUCT_ID),
    "DeleteProduct": ("DELETE /api/products/{id_or_slug}", PRODUCT_ID),
    "GetStock": ("GET /api/inventory/{sku}", PRODUCT_SKU),
    "SetStock": ("PUT /api/inventory/{sku}", PRODUCT_SKU),
}
FIRST_PRODUCT_LINKS = {
    "GetFirstProduct": ("GET /api/products/{id_or_slug}", {"id_or_slug": "$response.body#/results/0/id"}),
    "GetFirstStock": ("GET /api/inventory/{sku}", {"sku": "$response.body#/results/0/sku"}),
}
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="1-based page number"),
    OpenApiParameter("page_size", int, description=f"Products per page, at most {MAX_PAGE_SIZE}"),
]


class ProductListView(CatalogView):
    @extend_schema(
        parameters=[ProductListQuery, *PAGE_PARAMETERS],
        responses={200: ProductPage},
        operation_id="products_list",  # a page object, not a list, so spectacular would call it a retrieve
        summary="Products",
        extensions=openapi_extensions(links={200: FIRST_PRODUCT_LINKS}),
    )
    def get(self, request):
        query = _valid(ProductListQuery, request.query_params)

        def page() -> bytes:
            paginator = StandardPagination()
            rows = paginator.paginate_queryset(selectors.product_list(**query), request, view=self)
            data = ProductOutput(rows, many=True, context={"request": request}).data
            return rendered(paginator.get_paginated_response(data).data)

        return json_response(cached(cache_key(request, "products"), page))

    @extend_schema(
        request=ProductInput,
        responses={201: ProductOutput},
        summary="Create a product (ADMIN)",
        extensions=openapi_extensions(links={201: PRODUCT_LINKS}),
    )
    def post(self, request):
        product = services.product_create(**_valid(ProductInput, request.data))
        product = selectors.product_get(id_or_slug=str(product.id))
        return Response(ProductOutput(product, context={"request": request}).data, status=status.HTTP_201_CREATED)


def product_detail_cached(request, id_or_slug: str) -> tuple[int, bytes]:
    def build() -> tuple[int, bytes]:
        product = selectors.product_get(id_or_slug=id_or_slug)
        return product.id, rendered(ProductOutput(product, context={"request": request}).data)

    return cached(cache_key(request, "product"), build)


# The storefront serves a product page from its copy for a second or two and sends the views it served
# with its next fetch, so trending still counts page views. Anyone may send the header (as anyone may
# GET a product): the cap bounds what one request can add.
FORWARDED_VIEWS_HEADER = "HTTP_X_STOREFRONT_VIEWS"
MAX_FORWARDED_VIEWS = 1000


def views_of(request) -> int:
    """How many product views this request stands for: 1, or the storefront's count (1..MAX_FORWARDED_VIEWS)."""
    sent = request.META.get(FORWARDED_VIEWS_HEADER, "")
    return min(MAX_FORWARDED_VIEWS, max(1, int(sent))) if sent.isascii() and sent.isdigit() else 1


class ProductDetailView(CatalogView):
    @extend_schema(responses={200: ProductOutput}, summary="One product by id or slug")
    def get(self, request, id_or_slug: str):
        product_id, body = product_detail_cached(request, id_or_slug)
        view_record(product_id, views_of(request))
        return json_response(body)

    @extend_schema(
        request=ProductInput(partial=True),
        responses={200: ProductOutput},
        summary="Update (ADMIN)",
        extensions=openapi_extensions(links={200: PRODUCT_LINKS}),
    )
    def patch(self, request, id_or_slug: str):
        product = selectors.product_get(id_or_slug=id_or_slug)
        fields = _valid(ProductInput, request.data, partial=True, instance=product)
        try:
            product = services.product_update(product=product, **fields)
        except DjangoValidationError as exc:  # the model's rules, should the serializer ever miss one
            raise ValidationError(exc.message_dict) from exc
        product = selectors.product_get(id_or_slug=str(product.id))
        return Response(ProductOutput(product, context={"request": request}).data)

    @extend_schema(responses={204: None}, summary="Remove from the catalog (ADMIN)")
    def delete(self, request, id_or_slug: str):
        services.product_deactivate(product=selectors.product_get(id_or_slug=id_or_slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrendingView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description="1..50, default 10")],
        responses={200: TrendingOutput(many=True)},
        summary="Most viewed products of the last 24 hours",
    )
    def get(self, request):
        limit = request.query_params.get("limit", "10")
        # Lenient as documented (out of range is clamped), but "²" passes isdigit() and not int().
        limit = min(50, max(1, int(limit))) if limit.isascii() and limit.isdigit() else 10

        def build() -> list:
            ranked = trending_ids(limit)
            views = dict(ranked)
            products = selectors.products_by_ids([pid for pid, _ in ranked])
            for product in products:
                product.views = views[product.id]
            return TrendingOutput(products, many=True, context={"request": request}).data

        return Response(cached(cache_key(request, "trending"), build))


class CategoryListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CategoryOutput(many=True)}, summary="Categories with product counts")
    def get(self, request):
        return Response(
            cached(cache_key(request, "categories"), lambda: CategoryOutput(selectors.category_list(), many=True).data)
        )


class StockView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(responses={200: StockOutput}, summary="Stock of one SKU (ADMIN)")
    def get(self, request, sku: str):
        return Response(StockOutput(selectors.stock_get(sku=sku)).data)

    @extend_schema(
        request=StockInput, responses={200: StockOutput}, summary="Set on_hand (ADMIN); never below reserved"
    )
    def put(self, request, sku: str):
        selectors.stock_get(sku=sku)  # 404 for an unknown SKU
        stock = services.stock_set(sku=sku, **_valid(StockInput, request.data))
        return Response(StockOutput(stock).data)


class ReservationView(APIView):
    """ReserveStock over HTTP (ADMIN): the same service call as the gRPC method, for tools and comparison."""

    permission_classes = [IsAdminRole]

    @extend_schema(
        request=ReservationInput,
        responses={200: dict, 409: dict},  # 409: the same answer, with success false and the failures
        summary="Reserve stock for an order (ADMIN)",
    )
    def post(self, request):
        data = _valid(ReservationInput, request.data)
        items = [(item["product_id"], item["quantity"]) for item in data["items"]]
        answer = services.stock_reserve(order_id=data["order_id"], items=items)
        return Response(answer, status=status.HTTP_200_OK if answer["success"] else status.HTTP_409_CONFLICT)

"""Reads of the catalog: filtered, searched and ranked product lists, categories, stock levels."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404

from catalog.models import SEARCH_VECTOR, Category, Product, Stock

ORDERINGS = {
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
}


def product_queryset() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).select_related("category", "stock")


def product_list(
    *,
    search: str = "",
    category: str = "",
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    ordering: str = "",
) -> QuerySet[Product]:
    """Active products matching the filters; a search ranks name matches above description matches."""
    products = product_queryset()
    if category:
        products = products.filter(category__slug=category)
    if min_price is not None:
        products = products.filter(price__gte=min_price)
    if max_price is not None:
        products = products.filter(price__lte=max_price)
    if in_stock is True:
        products = products.filter(stock__on_hand__gt=F("stock__reserved"))
    elif in_stock is False:
        products = products.exclude(stock__on_hand__gt=F("stock__reserved"))
    if search:
        query = SearchQuery(search, search_type="websearch", config="english")
        products = (
            products.annotate(document=SEARCH_VECTOR, rank=SearchRank(SEARCH_VECTOR, query))
            .filter(Q(document=query) | Q(name__icontains=search) | Q(sku__iexact=search))
            .order_by(*(ORDERINGS[ordering] if ordering else ("-rank", "name", "id")))
        )
        return products
    return products.order_by(*ORDERINGS[ordering or "name"])


def product_get(*, id_or_slug: str) -> Product:
    # isdigit() alone also takes "²", which int() refuses; an id past bigint simply matches nothing.
    is_id = id_or_slug.isascii() and id_or_slug.isdigit()
    lookup = {"pk": int(id_or_slug)} if is_id else {"slug": id_or_slug}
    return get_object_or_404(product_queryset(), **lookup)


def products_by_ids(ids: list[int]) -> list[Product]:
    found = {p.id: p for p in product_queryset().filter(id__in=ids)}
    return [found[i] for i in ids if i in found]


def category_list() -> QuerySet[Category]:
    return Category.objects.annotate(product_count=Count("products", filter=Q(products__is_active=True))).order_by(
        "name"
    )


def stock_get(*, sku: str) -> Stock:
    return get_object_or_404(Stock.objects.select_related("product"), product__sku=sku, product__is_active=True)

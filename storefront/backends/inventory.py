"""Inventory: categories, products, trending and pictures, cached for the catalog pages."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from backends.http import BackendClient
from backends.paging import Paged
from backends.stale_cache import KEEP_SECONDS, cache_key, cached

SEARCH_KEEP_SECONDS = 300
VIEWS_HEADER = "X-Storefront-Views"  # inventory counts a product fetch as this many page views (trending)
# The storefront's sort names and the inventory API's ordering values.
SORTS = {"newest": "-created_at", "price": "price", "-price": "-price", "name": "name"}


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    product_count: int


@dataclass(frozen=True)
class Product:
    id: int
    sku: str
    slug: str
    name: str
    description: str
    price: Decimal
    currency: str
    category: Category | None
    image_path: str  # the storefront's own /images/... path, or ""
    available: int
    created_at: datetime | None

    @property
    def in_stock(self) -> bool:
        return self.available > 0

    @classmethod
    def from_json(cls, data: dict) -> Product:
        category = data.get("category") or None
        return cls(
            id=int(data["id"]),
            sku=data["sku"],
            slug=data["slug"],
            name=data["name"],
            description=data.get("description") or "",
            price=Decimal(str(data["price"])),
            currency=data.get("currency") or "USD",
            category=Category(category["slug"], category["name"], 0) if category else None,
            image_path=image_path(data.get("image_url")),
            available=int(data.get("available") or 0),
            created_at=datetime.fromisoformat(data["created_at"]) if data.get("created_at") else None,
        )


class UnsentViews:
    """Product page views served from the storefront's copy, per product path, until the next fetch sends them.
    A stopping process loses its unsent views: at most one freshness window's worth per product."""

    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def add(self, path: str) -> None:
        with self.lock:
            self.counts[path] += 1

    def take(self, path: str) -> int:
        """The views to send with a fetch of `path` (the fetching one included)."""
        with self.lock:
            return max(1, self.counts.pop(path, 0))


unsent_views = UnsentViews()  # one per process: a client rebuilt on a settings change keeps the count


@dataclass(frozen=True)
class ProductPage(Paged):
    products: list[Product] = field(default_factory=list)


def image_path(url: str | None) -> str:
    """Inventory's /media/<file> URL as the storefront's /images/<file>, so the browser stays on one origin."""
    if not url:
        return ""
    path = urlsplit(url).path
    return "/images/" + path.split("/media/", 1)[1] if "/media/" in path else ""


class InventoryClient(BackendClient):
    def __init__(self, *args, fresh_seconds: float = 5.0, product_fresh_seconds: float = 0.0, **kwargs):
        super().__init__("inventory", *args, **kwargs)
        self.fresh_seconds = fresh_seconds
        self.product_fresh_seconds = product_fresh_seconds

    def _cached_get(self, path: str, params: dict | None = None):
        key = cache_key("inventory", path, sorted((params or {}).items()))
        # Anyone can invent search words: their copies live minutes, not the week browsing copies do.
        keep = SEARCH_KEEP_SECONDS if (params or {}).get("search") else KEEP_SECONDS
        fetch = lambda: self.call("GET", path, params=params).data  # noqa: E731
        return cached(key, self.fresh_seconds, fetch, service=self.service, keep_seconds=keep)

    def categories(self) -> list[Category]:
        return [Category(c["slug"], c["name"], int(c["product_count"])) for c in self._cached_get("/api/categories")]

    def products(
        self, *, search: str = "", category: str = "", sort: str = "", page: int = 1, page_size: int = 24
    ) -> ProductPage:
        params = {"page": page, "page_size": page_size}
        if search:
            params["search"] = search
        if category:
            params["category"] = category
        if sort in SORTS:
            params["ordering"] = SORTS[sort]
        data = self._cached_get("/api/products", params)
        products = [Product.from_json(p) for p in data["results"]]
        return ProductPage(count=int(data["count"]), page=page, page_size=page_size, products=products)

    def trending(self) -> list[Product]:
        data = self._cached_get("/api/products/trending")
        results = data["results"] if isinstance(data, dict) else data
        return [Product.from_json(p) for p in results]

    def product_page(self, slug: str) -> Product:
        """One product for its page: a copy up to product_fresh_seconds old (the cart and checkout ask live);
        the outage copy is written only when the copy held was stale and inventory was asked.
        Inventory counts views for trending: the views served from the copy go with the next fetch."""
        path = f"/api/products/{slug}"
        unsent_views.add(path)

        def fetch():
            views = unsent_views.take(path)
            return self.call("GET", path, headers={VIEWS_HEADER: str(views)}).data

        key = cache_key("inventory", path, [])
        return Product.from_json(cached(key, self.product_fresh_seconds, fetch, service=self.service))

    def product(self, slug_or_id: str | int, *, stale_ok: bool = True) -> Product:
        """One product, always asked of inventory (its own cache keeps stock at most seconds old, and it
        counts the view for trending); while inventory is down, the last copy unless stale_ok=False."""
        path = f"/api/products/{slug_or_id}"
        if not stale_ok:
            return Product.from_json(self.call("GET", path).data)
        key = cache_key("inventory", path, [])
        return Product.from_json(cached(key, 0, lambda: self.call("GET", path).data, service=self.service))

    def image(self, name: str) -> tuple[bytes, str]:
        key = cache_key("inventory-image", name)

        def fetch():
            answer = self.call("GET", f"/media/{name}", raw=True, headers={"Accept": "image/*"})
            return answer.data, answer.headers.get("Content-Type", "application/octet-stream")

        return cached(key, 24 * 3600, fetch, service=self.service)

from django.core.management.base import BaseCommand
from django.test import RequestFactory
from rest_framework.request import Request

from catalog import api, selectors
from catalog.trending import trending_ids


class Command(BaseCommand):
    help = "Fill the L2 cache with the hottest products (trending, else the first page) and the first list pages."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1:8002", help="Host the answers' absolute links use.")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args, host, limit, **options):
        factory = RequestFactory(HTTP_HOST=host)
        ids = [pid for pid, _ in trending_ids(limit)]
        if not ids:
            ids = list(selectors.product_queryset().order_by("name").values_list("id", flat=True)[:limit])
        for product_id in ids:  # not through the view: warming must not count as a visit
            request = factory.get(f"/api/products/{product_id}")
            api.product_detail_cached(Request(request), str(product_id))
        listing = api.ProductListView.as_view()
        pages = [{}, *({"category": c.slug} for c in selectors.category_list())]
        for params in pages:
            listing(factory.get("/api/products", params))
        api.CategoryListView.as_view()(factory.get("/api/categories"))
        self.stdout.write(f"warm_cache: {len(ids)} products and {len(pages)} list pages cached for {host}")

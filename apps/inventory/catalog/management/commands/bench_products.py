import json
from decimal import Decimal

from django.core.management.base import BaseCommand

from catalog.models import Category, Stock
from catalog.services import product_create


class Command(BaseCommand):
    help = "Create (or reset) the products `manage_all.py bench inventory` reserves from; prints their ids as JSON."

    def handle(self, *args, **options):
        category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
        ids = []
        for n in range(5):
            existing = Stock.objects.filter(product__sku=f"BENCH-{n}").first()
            if existing:
                ids.append(existing.product_id)
                continue
            product = product_create(
                sku=f"BENCH-{n}",
                slug=f"bench-{n}",
                name=f"Bench product {n}",
                price=Decimal("9.99"),
                category=category,
                on_hand=10_000_000,
            )
            ids.append(product.id)
        Stock.objects.filter(product_id__in=ids).update(on_hand=10_000_000, reserved=0)
        self.stdout.write(json.dumps({"hot": ids[0], "products": ids[1:]}))

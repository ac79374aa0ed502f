from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from catalog import cache
from catalog.demo_catalog import CATEGORIES, demo_products
from catalog.illustrations import product_svg
from catalog.models import Category, Product, Stock


class Command(BaseCommand):
    help = "Load the demo catalog (8 categories, 64 products with stock and pictures); idempotent."

    def handle(self, *args, **options):
        categories = {}
        for slug, name, *_ in CATEGORIES:
            categories[slug], _ = Category.objects.get_or_create(slug=slug, defaults={"name": name})
        created = pictures = 0
        products = demo_products()
        for number, spec in enumerate(products, start=1):
            with transaction.atomic():
                product, new = Product.objects.get_or_create(
                    sku=spec["sku"],
                    defaults={
                        "slug": spec["slug"],
                        "name": spec["name"],
                        "description": spec["description"],
                        "price": spec["price"],
                        "category": categories[spec["category"]],
                    },
                )
                Stock.objects.get_or_create(product=product, defaults={"on_hand": spec["on_hand"]})
                created += new
                if not product.image or not product.image.storage.exists(product.image.name):
                    svg = product_svg(sku=product.sku, name=product.name, motif=spec["motif"])
                    product.image.save(f"{product.slug}.svg", ContentFile(svg.encode()), save=True)
                    pictures += 1
            if number % 16 == 0 or number == len(products):
                self.stdout.write(f"seed_catalog: {number}/{len(products)} products")
        cache.invalidate()
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_catalog: {len(categories)} categories, {created} products created "
                f"({len(products) - created} existed), {pictures} pictures drawn"
            )
        )

from decimal import Decimal

from catalog.models import Category, Product
from catalog.services import product_create

_counter = iter(range(1, 10**6))


def category_make(slug: str = "kitchen", name: str = "Kitchen") -> Category:
    return Category.objects.get_or_create(slug=slug, defaults={"name": name})[0]


def product_make(
    *, name: str | None = None, price: str = "10.00", on_hand: int = 10, category: Category | None = None, **fields
) -> Product:
    n = next(_counter)
    return product_create(
        sku=fields.pop("sku", f"SKU-{n:05d}"),
        slug=fields.pop("slug", f"product-{n}"),
        name=name or f"Product {n}",
        description=fields.pop("description", "A plain test product."),
        price=Decimal(price),
        category=category or category_make(),
        on_hand=on_hand,
        **fields,
    )

"""ADMIN writes: products and stock; customers and anonymous callers are refused."""

import pytest

from catalog.models import Product, Stock
from catalog.services import stock_reserve
from catalog.tests.factories import category_make, product_make

pytestmark = pytest.mark.django_db

NEW = {"sku": "LMP-900", "slug": "orbit-lamp", "name": "Orbit Lamp", "price": "49.90", "category": "lighting"}


def test_admin_creates_updates_and_removes_a_product(api, admin_auth, django_capture_on_commit_callbacks):
    category_make("lighting", "Lighting")
    created = api.post("/api/products", {**NEW, "on_hand": 7}, format="json", **admin_auth)
    assert created.status_code == 201, created.content
    assert created.json()["available"] == 7
    assert created.json()["category"] == {"slug": "lighting", "name": "Lighting"}

    assert api.get("/api/products/orbit-lamp").json()["price"] == "49.90"  # now cached
    with django_capture_on_commit_callbacks(execute=True):  # cache eviction runs after commit
        patched = api.patch("/api/products/orbit-lamp", {"price": "44.00"}, format="json", **admin_auth)
    assert patched.json()["price"] == "44.00"
    assert api.get("/api/products/orbit-lamp").json()["price"] == "44.00", "the write evicted the cache"

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/products/orbit-lamp", **admin_auth).status_code == 204
    assert api.get("/api/products/orbit-lamp").status_code == 404
    assert Product.objects.get(sku="LMP-900").is_active is False


def test_product_input_errors_name_the_field(api, admin_auth):
    category_make("lighting", "Lighting")
    product_make(sku="LMP-900")
    response = api.post(
        "/api/products", {**NEW, "price": "-1", "category": "nope", "currency": "usd"}, format="json", **admin_auth
    )
    assert response.status_code == 400
    assert set(response.json()) == {"sku", "price", "category", "currency"}
    assert not Product.objects.filter(slug="orbit-lamp").exists()


def test_customers_and_anonymous_cannot_write(api, customer_auth):
    product = product_make()
    assert api.post("/api/products", NEW, format="json", **customer_auth).status_code == 403
    assert api.patch(f"/api/products/{product.slug}", {"price": "1"}, format="json").status_code == 401
    assert api.get(f"/api/inventory/{product.sku}", **customer_auth).status_code == 403
    assert api.put(f"/api/inventory/{product.sku}", {"on_hand": 1}, format="json").status_code == 401


def test_stock_read_and_restock(api, admin_auth):
    product = product_make(on_hand=10)
    assert api.get(f"/api/inventory/{product.sku}", **admin_auth).json() == {
        "sku": product.sku,
        "on_hand": 10,
        "reserved": 0,
        "available": 10,
    }
    response = api.put(f"/api/inventory/{product.sku}", {"on_hand": 25}, format="json", **admin_auth)
    assert response.json()["on_hand"] == 25
    assert api.get(f"/api/products/{product.slug}").json()["available"] == 25


def test_stock_never_goes_below_reserved(api, admin_auth):
    import uuid

    product = product_make(on_hand=10)
    assert stock_reserve(order_id=uuid.uuid4(), items=[(product.id, 6)])["success"]
    response = api.put(f"/api/inventory/{product.sku}", {"on_hand": 5}, format="json", **admin_auth)
    assert response.status_code == 409
    assert "6 units reserved" in response.json()["detail"]
    assert Stock.objects.get(product=product).on_hand == 10
    assert api.put(f"/api/inventory/{product.sku}", {"on_hand": -1}, format="json", **admin_auth).status_code == 400
    assert api.get("/api/inventory/NOPE-1", **admin_auth).status_code == 404


def test_patch_refused_on_stock_keeps_the_name_and_price(api, admin_auth):
    """One transaction: a 409 on on_hand leaves the fields sent with it uncommitted too."""
    import uuid

    product = product_make(name="Kettle", price="20.00", on_hand=10)
    assert stock_reserve(order_id=uuid.uuid4(), items=[(product.id, 6)])["success"]
    response = api.patch(
        f"/api/products/{product.slug}", {"name": "Renamed", "price": "1.00", "on_hand": 5}, format="json", **admin_auth
    )
    assert response.status_code == 409
    assert "6 units reserved" in response.json()["detail"]
    product.refresh_from_db()
    assert (product.name, str(product.price)) == ("Kettle", "20.00")
    assert Stock.objects.get(product=product).on_hand == 10


def test_product_update_saves_only_the_changed_fields():
    """A concurrent write to another field survives: the UPDATE names only what changed."""
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.services import product_update

    stale = product_make(name="Kettle", price="20.00")
    Product.objects.filter(pk=stale.pk).update(description="Edited meanwhile")
    with CaptureQueriesContext(connection) as queries:
        product_update(product=stale, name="Kettle", price=Decimal("25.00"))
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    set_clause = updates[0].split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    assert [part.split(" = ")[0] for part in set_clause.split(", ")] == ['"price"', '"updated_at"']
    stale.refresh_from_db()
    assert (stale.name, stale.description, stale.price) == ("Kettle", "Edited meanwhile", Decimal("25.00"))


def test_product_update_checks_the_model_rules():
    """full_clean runs before the save: the model's rules hold for callers other than the API."""
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from catalog.services import product_update

    product = product_make(price="20.00")
    with pytest.raises(ValidationError) as raised:
        product_update(product=product, currency="usd", price=Decimal("-1"))
    assert raised.value.message_dict == {
        "__all__": [
            "Constraint “product_price_not_negative” is violated.",
            "Constraint “product_currency_iso4217” is violated.",
        ]
    }
    product.refresh_from_db()
    assert (product.currency, product.price) == ("USD", Decimal("20.00"))

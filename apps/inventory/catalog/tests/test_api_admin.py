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

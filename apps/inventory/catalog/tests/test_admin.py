"""Django admin: products with their stock inline, categories, read-only reservations."""

import uuid

import pytest

from catalog.models import Reservation, Stock
from catalog.services import stock_reserve
from catalog.tests.factories import product_make

pytestmark = pytest.mark.django_db


def test_product_pages_show_stock_and_refuse_on_hand_below_reserved(admin_client):
    product = product_make(name="Admin Lamp", on_hand=10)
    stock_reserve(order_id=uuid.uuid4(), items=[(product.id, 4)])
    assert b"Admin Lamp" in admin_client.get("/admin/catalog/product/?q=Admin").content
    page = admin_client.get(f"/admin/catalog/product/{product.id}/change/")
    assert page.status_code == 200
    assert b'name="stock-0-on_hand"' in page.content

    form = {
        "sku": product.sku,
        "slug": product.slug,
        "name": product.name,
        "description": product.description,
        "price": "10.00",
        "currency": "USD",
        "category": product.category_id,
        "is_active": "on",
        "stock-TOTAL_FORMS": "1",
        "stock-INITIAL_FORMS": "1",
        "stock-MIN_NUM_FORMS": "0",
        "stock-MAX_NUM_FORMS": "1",
        "stock-0-product": product.id,
        "stock-0-on_hand": "3",
    }
    refused = admin_client.post(f"/admin/catalog/product/{product.id}/change/", form)
    assert refused.status_code == 200
    assert b"4 units are reserved for open orders." in refused.content
    assert Stock.objects.get(product=product).on_hand == 10

    admin_client.post(f"/admin/catalog/product/{product.id}/change/", {**form, "stock-0-on_hand": "25"})
    assert Stock.objects.get(product=product).on_hand == 25


def test_reservations_are_read_only(admin_client):
    product = product_make(on_hand=5)
    stock_reserve(order_id=uuid.uuid4(), items=[(product.id, 1)])
    reservation = Reservation.objects.get()
    assert admin_client.get("/admin/catalog/reservation/").status_code == 200
    page = admin_client.get(f"/admin/catalog/reservation/{reservation.id}/change/")
    assert page.status_code == 200
    assert b"Save" not in page.content
    assert admin_client.get("/admin/catalog/reservation/add/").status_code == 403
    assert admin_client.get("/admin/catalog/category/").status_code == 200

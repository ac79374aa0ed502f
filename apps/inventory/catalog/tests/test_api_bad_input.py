"""Inputs the API fuzzer (tests/fuzz) and issue 12 found answering 500: now a 4xx naming what is wrong,
with nothing written."""

import pytest

from catalog.models import Product, Reservation, Stock
from catalog.tests.factories import category_make, product_make
from retail_common.db.limits import PG_BIGINT_MAX, PG_INTEGER_MAX

pytestmark = pytest.mark.django_db

NEW = {"sku": "LMP-901", "slug": "big-lamp", "name": "Big Lamp", "price": "9.90", "category": "lighting"}


def test_stock_beyond_a_postgresql_integer_is_400_and_unchanged(api, admin_auth):
    product = product_make(on_hand=3)
    for on_hand in (PG_INTEGER_MAX + 1, 10**30):
        response = api.put(f"/api/inventory/{product.sku}", {"on_hand": on_hand}, format="json", **admin_auth)
        assert response.status_code == 400
        assert response.json() == {"on_hand": [f"Ensure this value is less than or equal to {PG_INTEGER_MAX}."]}
    assert Stock.objects.get(product=product).on_hand == 3
    largest = api.put(f"/api/inventory/{product.sku}", {"on_hand": PG_INTEGER_MAX}, format="json", **admin_auth)
    assert (largest.status_code, largest.json()["on_hand"]) == (200, PG_INTEGER_MAX)


def test_a_new_product_with_too_much_stock_is_400_and_not_created(api, admin_auth):
    category_make("lighting", "Lighting")
    response = api.post("/api/products", {**NEW, "on_hand": PG_INTEGER_MAX + 1}, format="json", **admin_auth)
    assert response.status_code == 400
    assert list(response.json()) == ["on_hand"]
    assert not Product.objects.filter(sku="LMP-901").exists()


def test_a_superscript_digit_is_a_slug_not_an_id(api):
    # "²".isdigit() is True but int("²") raises: the lookup treated it as an id and crashed.
    response = api.get("/api/products/%C2%B2")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Product matches the given query.", "code": "not_found"}


def test_an_id_past_bigint_is_404(api):
    assert api.get(f"/api/products/{PG_BIGINT_MAX + 1}").status_code == 404


def test_trending_with_a_superscript_limit_uses_the_default(api):
    response = api.get("/api/products/trending?limit=%C2%B2")
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize("product_id", [0, PG_BIGINT_MAX + 1])
def test_reservation_of_an_impossible_product_id_is_400_and_reserves_nothing(api, admin_auth, product_id):
    body = {"order_id": "e3e70682-c209-4cac-a29f-6fbed82c07cd", "items": [{"product_id": product_id, "quantity": 1}]}
    response = api.post("/api/reservations", body, format="json", **admin_auth)
    assert response.status_code == 400
    assert list(response.json()["items"]["0"]) == ["product_id"]  # DRF keys a list's errors by index
    assert not Reservation.objects.exists()


def test_nul_in_a_search_is_400_naming_the_parameter(api):
    response = api.get("/api/products?search=lamp%00")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Query parameter 'search' contains a NUL character (U+0000), which is not accepted.",
        "code": "invalid_characters",
    }


def test_nul_in_a_product_body_is_400_naming_the_field_and_writes_nothing(api, admin_auth):
    category_make("lighting", "Lighting")
    body = '{"sku": "LMP-902", "slug": "nul-lamp", "name": "Lamp\\u0000", "price": "1.00", "category": "lighting"}'
    response = api.generic("POST", "/api/products", body, content_type="application/json", **admin_auth)
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "JSON parse error - $.name contains a NUL character (U+0000), which is not accepted."
    )
    assert not Product.objects.filter(sku="LMP-902").exists()

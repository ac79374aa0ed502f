"""Public catalog reads: filters, ordering, pagination, search ranking, categories, errors."""

import pytest

from catalog.tests.factories import category_make, product_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    kitchen, books = category_make("kitchen", "Kitchen"), category_make("books", "Books")
    return {
        "mug": product_make(name="Harbor Mug", price="12.99", on_hand=5, category=kitchen),
        "teapot": product_make(
            name="Juniper Teapot", price="34.50", on_hand=0, category=kitchen, description="Pairs with any mug."
        ),
        "atlas": product_make(name="Nimbus Atlas", price="25.00", on_hand=3, category=books),
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["results"]]


def test_product_shape(api, shelf):
    body = api.get(f"/api/products/{shelf['mug'].slug}").json()
    assert body == {
        "id": shelf["mug"].id,
        "sku": shelf["mug"].sku,
        "slug": shelf["mug"].slug,
        "name": "Harbor Mug",
        "description": "A plain test product.",
        "price": "12.99",
        "currency": "USD",
        "category": {"slug": "kitchen", "name": "Kitchen"},
        "image_url": None,
        "available": 5,
        "created_at": body["created_at"],
    }
    assert api.get(f"/api/products/{shelf['mug'].id}").json()["slug"] == shelf["mug"].slug


def test_filters_and_ordering(api, shelf):
    assert names(api.get("/api/products?category=kitchen&ordering=price")) == ["Harbor Mug", "Juniper Teapot"]
    assert names(api.get("/api/products?ordering=-price")) == ["Juniper Teapot", "Nimbus Atlas", "Harbor Mug"]
    assert names(api.get("/api/products?min_price=20&max_price=30")) == ["Nimbus Atlas"]
    assert names(api.get("/api/products?in_stock=true&ordering=name")) == ["Harbor Mug", "Nimbus Atlas"]
    assert names(api.get("/api/products?in_stock=false")) == ["Juniper Teapot"]


def test_search_finds_by_a_word_of_the_name_and_ranks_it_first(api, shelf):
    # "mug" is in the mug's name and only in the teapot's description: the name match ranks first.
    assert names(api.get("/api/products?search=mug")) == ["Harbor Mug", "Juniper Teapot"]
    assert names(api.get("/api/products?search=Mugs")) == ["Harbor Mug", "Juniper Teapot"]  # stemming
    assert names(api.get("/api/products?search=atlas")) == ["Nimbus Atlas"]
    assert names(api.get("/api/products?search=nothing-like-this")) == []


def test_pagination_is_capped_at_100(api):
    kitchen = category_make()
    for n in range(105):
        product_make(name=f"Cup {n:03d}", category=kitchen, on_hand=1)
    first = api.get("/api/products?page_size=500").json()
    assert first["count"] == 105
    assert len(first["results"]) == 100
    assert first["next"].endswith("page=2&page_size=500")
    assert len(api.get("/api/products?page_size=500&page=2").json()["results"]) == 5
    assert len(api.get("/api/products").json()["results"]) == 20


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("ordering=cheapest", "ordering"),
        ("min_price=abc", "min_price"),
        ("min_price=-1", "min_price"),
        ("min_price=30&max_price=10", "max_price"),
        ("in_stock=maybe", "in_stock"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api, query, field):
    response = api.get(f"/api/products?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_product_and_page_are_404(api, shelf):
    assert api.get("/api/products/no-such-thing").status_code == 404
    assert api.get("/api/products/999999").status_code == 404
    assert api.get("/api/products?page=9").json()["code"] == "not_found"


def test_categories_count_active_products(api, shelf):
    from catalog.services import product_deactivate

    product_deactivate(product=shelf["atlas"])
    assert api.get("/api/categories").json() == [
        {"slug": "books", "name": "Books", "product_count": 0},
        {"slug": "kitchen", "name": "Kitchen", "product_count": 2},
    ]
    assert api.get(f"/api/products/{shelf['atlas'].slug}").status_code == 404

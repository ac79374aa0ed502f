from types import SimpleNamespace

import pytest
from backends import clients

from conftest import new_product
from shop.home_row import row_fill

pytestmark = pytest.mark.django_db


def test_home_shows_categories_and_products(client, stack):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Shop by category" in html
    assert 'href="/products/?category=kitchen"' in html
    assert html.count('class="card product-card"') >= 1


def test_home_row_tops_up_a_quiet_trending_list_with_the_newest(client, stack):
    fresh = new_product(stack, on_hand=3)  # the newest product of the catalog
    trending = [product.id for product in clients.inventory().trending()][:8]

    row = [product.id for product in client.get("/").context["trending"]]

    assert row[: len(trending)] == trending, "trending products come first, in rank order"
    if len(trending) < 4:  # a quiet shop (this session's other tests may have viewed products)
        assert len(row) == 8 and len(set(row)) == 8
        assert fresh["id"] in row
    else:
        assert row == trending


def test_row_fill_keeps_the_trending_order_and_skips_what_is_shown():
    def product(pid):
        return SimpleNamespace(id=pid)

    trending = [product(7), product(3)]
    newest = [product(pid) for pid in (9, 7, 8, 3, 6, 5, 4, 2, 1)]

    assert [p.id for p in row_fill(trending, newest)] == [7, 3, 9, 8, 6, 5, 4, 2]
    assert [p.id for p in row_fill([], newest[:2])] == [9, 7]


def test_search_finds_by_name_and_escapes_the_query(client, stack):
    response = client.get("/products/", {"q": "<script>alert(1)</script>"})

    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_category_filter_sort_and_pagination(client, stack):
    first = client.get("/products/", {"category": "kitchen", "sort": "price"})

    assert first.status_code == 200
    result = first.context["result"]
    assert result.count == 8
    assert all(p.category.slug == "kitchen" for p in result.products)
    prices = [p.price for p in result.products]
    assert prices == sorted(prices)
    everything = client.get("/products/", {"page": 2})
    assert everything.status_code == 200
    assert everything.context["result"].page == 2
    assert 'rel="prev"' in everything.content.decode()


def test_unknown_category_is_a_friendly_404(client, stack):
    response = client.get("/products/", {"category": "no-such-thing"})

    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_a_page_past_the_end_goes_back_to_the_first(client, stack):
    response = client.get("/products/", {"q": "mug", "page": 999})

    assert response.status_code == 302
    assert "page=1" in response["Location"]


def test_product_page_and_unknown_product(client, stack):
    listing = client.get("/products/").context["result"].products[0]

    page = client.get(f"/products/{listing.slug}/")
    missing = client.get("/products/no-such-product/")

    assert page.status_code == 200
    assert listing.name in page.content.decode()
    assert b"Add to cart" in page.content
    assert missing.status_code == 404


def test_product_pictures_come_from_the_storefront_origin(client, stack):
    product = client.get("/products/").context["result"].products[0]
    assert product.image_path.startswith("/images/")

    picture = client.get(product.image_path)

    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in picture["Content-Security-Policy"]
    assert client.get("/images/products/missing.svg").status_code == 404
    assert client.get("/images/products/../../settings.py").status_code == 404
    assert client.get("/images/%2e%2e/secrets").status_code == 404


def test_catalog_serves_a_stale_copy_while_inventory_is_down(client, stack, settings, closed_url):
    assert client.get("/products/", {"category": "books"}).status_code == 200
    settings.STOREFRONT_BACKENDS = {**settings.STOREFRONT_BACKENDS, "inventory": closed_url}
    settings.CATALOG_FRESH_SECONDS = 0  # every copy is stale now: the page must ask inventory, and fail

    response = client.get("/products/", {"category": "books"})

    assert response.status_code == 200
    assert response.context["result"].count == 8
    assert b"temporarily unavailable" in response.content


def test_catalog_without_any_copy_while_inventory_is_down_is_a_503_page(client, stack, settings, closed_url):
    settings.STOREFRONT_BACKENDS = {**settings.STOREFRONT_BACKENDS, "inventory": closed_url}

    response = client.get("/products/", {"q": "never-cached-query"})

    assert response.status_code == 503
    assert b"The catalog is temporarily unavailable" in response.content
    assert response["Retry-After"] == "30"

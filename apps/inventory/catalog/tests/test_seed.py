"""seed_catalog: idempotent, 8+ categories, 60+ products with stock and a picture each; warm_cache fills L2."""

from io import StringIO

import pytest
from django.core.cache import cache as redis_cache
from django.core.management import call_command

from catalog import cache
from catalog.models import Category, Product, Stock

pytestmark = pytest.mark.django_db


def test_seed_twice_gives_one_catalog_with_pictures(api):
    out = StringIO()
    call_command("seed_catalog", stdout=out)
    call_command("seed_catalog", stdout=out)
    assert Category.objects.count() == 8
    assert Product.objects.count() == 64
    assert Stock.objects.filter(on_hand__gt=0).count() == 64
    assert "0 products created (64 existed), 0 pictures drawn" in out.getvalue()

    products = list(Product.objects.all())
    svgs = {p.image.read() for p in products}
    assert len(svgs) == 64, "every product has its own picture"
    assert all(p.image.name.endswith(".svg") for p in products)

    body = api.get(f"/api/products/{products[0].slug}").json()
    picture = api.get(body["image_url"].removeprefix("http://testserver"))
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(picture.streaming_content)


def test_warm_cache_fills_l2_without_counting_views():
    call_command("seed_catalog", stdout=StringIO())
    call_command("warm_cache", "--limit", "5", stdout=StringIO())
    version = cache.catalog_version()
    warmed = list(redis_cache.keys(f"catalog:{version}:*"))
    assert len([k for k in warmed if ":product:" in k]) == 5
    assert any(":products:" in k for k in warmed)
    from catalog.trending import trending_ids

    assert trending_ids() == []

"""The home page's product row: what trends, topped up with the newest products on a quiet shop."""

from __future__ import annotations

from backends.http import BackendUnavailable
from backends.inventory import InventoryClient, Product

ROW_SIZE = 8
# Fewer trending products than this look like a broken page (a fresh shop has one or none).
MIN_TRENDING = 4


def row_fill(trending: list[Product], newest: list[Product], *, size: int = ROW_SIZE) -> list[Product]:
    """Trending first, in rank order, then the newest products not already shown, up to `size`."""
    shown = {product.id for product in trending}
    return [*trending, *(product for product in newest if product.id not in shown)][:size]


def home_row(inventory: InventoryClient) -> list[Product]:
    """The trending row; filled with the newest products when fewer than MIN_TRENDING trend."""
    try:
        trending = inventory.trending()[:ROW_SIZE]
    except BackendUnavailable:
        trending = []
    if len(trending) >= MIN_TRENDING:
        return trending
    try:
        newest = inventory.products(sort="newest", page_size=ROW_SIZE).products
    except BackendUnavailable:
        return trending
    return row_fill(trending, newest)

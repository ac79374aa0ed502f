"""Stock invariants live in the database: code that forgets them is refused there."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from catalog.models import Stock
from catalog.tests.factories import product_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"reserved": F("on_hand") + 1}, "stock_reserved_within_on_hand"),
        ({"on_hand": -1}, "stock_on_hand_not_negative"),
        ({"reserved": -1}, "stock_reserved_not_negative"),
    ],
)
def test_stock_constraints(change, constraint):
    product = product_make(on_hand=5)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Stock.objects.filter(product=product).update(**change)
    assert Stock.objects.get(product=product).on_hand == 5


def test_negative_price_is_refused():
    product = product_make()
    with pytest.raises(IntegrityError, match="product_price_not_negative"), transaction.atomic():
        type(product).objects.filter(pk=product.pk).update(price=-1)

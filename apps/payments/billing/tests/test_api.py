"""Payments API: own payments only (another user's is a 404), ADMIN sees all."""

import pytest

from billing.events import on_order_created
from billing.models import Payment
from retail_dev.factories import order_created_event

pytestmark = pytest.mark.django_db


def test_customer_sees_only_own_payments(api, alice):
    user_id, auth = alice
    mine = order_created_event(user_id=user_id)
    on_order_created(mine)
    on_order_created(order_created_event())  # someone else's
    own = Payment.objects.get(user_id=user_id)

    listed = api.get("/api/payments", **auth).json()
    assert [p["id"] for p in listed["results"]] == [str(own.id)]
    assert listed["results"][0] == {
        "id": str(own.id),
        "order_id": mine.payload["order_id"],
        "amount": "10.00",
        "currency": "USD",
        "status": "CAPTURED",
        "decline_reason": "",
        "created_at": listed["results"][0]["created_at"],
    }
    assert api.get(f"/api/payments?order_id={mine.payload['order_id']}", **auth).json()["count"] == 1
    assert api.get(f"/api/payments/{own.id}", **auth).status_code == 200
    other = Payment.objects.exclude(user_id=user_id).get()
    assert api.get(f"/api/payments/{other.id}", **auth).status_code == 404
    assert "card" not in str(listed).lower(), "no card data leaves the service"


def test_bad_filters_and_roles(api, alice, admin_auth):
    _, auth = alice
    assert api.get("/api/payments?order_id=nope", **auth).status_code == 400
    assert api.get("/api/payments").status_code == 401
    assert api.get("/api/admin/payments", **auth).status_code == 403
    on_order_created(order_created_event(last4="0002"))
    declined = api.get("/api/admin/payments?status=DECLINED", **admin_auth).json()
    assert declined["count"] == 1
    assert declined["results"][0]["decline_reason"] == "card_declined"
    lost = api.get("/api/admin/payments?status=LOST", **admin_auth)
    assert lost.status_code == 400
    assert lost.json() == {"status": ["Must be one of PENDING, CAPTURED, DECLINED, REFUNDED."]}


def test_admin_filters_combine(api, admin_auth):
    captured, declined = order_created_event(), order_created_event(last4="0002")
    on_order_created(captured)
    on_order_created(declined)

    def ids(query):
        return [p["order_id"] for p in api.get(f"/api/admin/payments{query}", **admin_auth).json()["results"]]

    assert sorted(ids("")) == sorted([captured.payload["order_id"], declined.payload["order_id"]])
    assert ids("?status=CAPTURED") == [captured.payload["order_id"]]
    assert ids(f"?status=CAPTURED&order_id={declined.payload['order_id']}") == []
    assert ids(f"?status=&order_id={declined.payload['order_id']}") == [declined.payload["order_id"]]

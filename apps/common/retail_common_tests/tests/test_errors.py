"""One error format: {detail, code} for everything but field errors, never an HTML page."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400_parse_error(api):
    response = api.post("/t/echo", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_field_errors_name_each_field(api):
    response = api.post("/t/echo", {"name": "too long", "quantity": 0}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"name", "quantity"}
    assert "5 characters" in body["name"][0]


def test_conflict_is_409(api):
    response = api.post("/t/conflict", format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "The widget is already reserved.", "code": "conflict"}


def test_unknown_url_is_json_404(api):
    response = api.get("/no/such/page")
    assert response.status_code == 404
    assert response.json() == {"detail": "No resource at /no/such/page.", "code": "not_found"}


def test_method_not_allowed_is_405_in_the_same_format(api):
    response = api.delete("/t/echo")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_crash_is_json_500_with_request_id_and_logged(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/t/crash", HTTP_X_REQUEST_ID="req-crash-1")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert response["X-Request-ID"] == "req-crash-1"
    assert any(record.exc_info for record in caplog.records)


def test_a_django_404_raised_in_a_view_keeps_its_message(api, admin_auth):
    # get_object_or_404's Http404 used to come out as {"detail": "{'detail': ErrorDetail(...)}", "code": "error"}.
    response = api.post("/api/admin/failed-events/999999/retry", **admin_auth)
    assert response.status_code == 404
    assert response.json() == {"detail": "No FailedEvent matches the given query.", "code": "not_found"}

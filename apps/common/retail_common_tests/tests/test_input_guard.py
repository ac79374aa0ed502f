"""NUL bytes and lone surrogates anywhere in a request: a 400 naming where, never a 500 (issue 12)."""

import json

import pytest

from retail_common.models import FailedEvent, OutboxEvent

pytestmark = pytest.mark.django_db

NUL_DETAIL = "contains a NUL character (U+0000), which is not accepted."
SURROGATE_DETAIL = "contains a lone surrogate (U+D800..U+DFFF), which is not accepted."


def post_raw(api, path: str, text: str):
    """POST `text` as it is (json.dumps would escape what the test means to send)."""
    return api.generic("POST", path, text.encode("utf-8", "surrogatepass"), content_type="application/json")


def test_nul_in_the_failed_events_topic_filter_is_400_not_500(api, admin_auth):
    FailedEvent.objects.create(group="g", topic="order-created", payload="{}", error_type="E")
    response = api.get("/api/admin/failed-events?topic=a%00b", **admin_auth)
    assert response.status_code == 400
    assert response.json() == {"detail": f"Query parameter 'topic' {NUL_DETAIL}", "code": "invalid_characters"}


def test_nul_in_a_query_parameter_name_is_named(api):
    response = api.get("/healthz?a%00b=1")
    assert response.status_code == 400
    assert response.json()["detail"] == f"The name of query parameter 'a\\x00b' {NUL_DETAIL}"


def test_nul_in_the_path_is_400(api):
    response = api.get("/api/admin/failed-events%00")
    assert response.status_code == 400
    assert response.json() == {"detail": f"The path {NUL_DETAIL}", "code": "invalid_characters"}


def test_nul_in_a_cookie_is_400(api):
    response = api.get("/healthz", HTTP_COOKIE='sessionid="a\\000b"')  # the octal escape of a quoted cookie
    assert response.status_code == 400
    assert response.json()["detail"] == f"Cookie 'sessionid' {NUL_DETAIL}"


def test_nul_in_a_header_value_is_400(api):
    response = api.get("/healthz", HTTP_X_NOTE="a\x00b")
    assert response.status_code == 400
    assert response.json()["detail"] == f"Header 'X-Note' {NUL_DETAIL}"


def test_clean_requests_pass(api):
    response = api.get("/healthz?topic=caf%C3%A9", HTTP_X_NOTE="ok")
    assert response.status_code == 200


def test_nul_in_a_json_string_names_its_path_and_writes_nothing(api):
    response = post_raw(api, "/t/publish", '{"key": "order\\u0000-1"}')
    assert response.status_code == 400
    assert response.json() == {"detail": f"JSON parse error - $.key {NUL_DETAIL}", "code": "invalid_characters"}
    assert OutboxEvent.objects.count() == 0


def test_lone_surrogate_deep_in_a_json_body_names_its_path(api):
    body = '{"name": "ok", "quantity": 1, "extra": [{"note": "x"}, {"note": "\\ud800"}]}'
    response = post_raw(api, "/t/echo", body)
    assert response.status_code == 400
    assert response.json()["detail"] == f"JSON parse error - $.extra[1].note {SURROGATE_DETAIL}"


def test_nul_in_a_json_key_is_refused(api):
    response = post_raw(api, "/t/echo", '{"na\\u0000me": "a", "quantity": 1}')
    assert response.status_code == 400
    assert response.json()["detail"] == f"JSON parse error - A key of $ {NUL_DETAIL}"


def test_a_surrogate_pair_is_a_character_like_any_other(api):
    response = post_raw(api, "/t/echo", '{"name": "\\ud83d\\ude00", "quantity": 1}')
    assert response.status_code == 200
    assert response.json() == {"name": "\U0001f600", "quantity": 1}


def test_json_nested_too_deeply_is_400(api):
    response = post_raw(api, "/t/echo", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - the document is nested too deeply.", "code": "too_deep"}


def test_an_integer_of_thousands_of_digits_is_a_parse_error(api):
    response = post_raw(api, "/t/echo", json.dumps({"name": "a"})[:-1] + ', "quantity": ' + "9" * 5000 + "}")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_duplicate_authorization_headers_are_401_not_500(api):
    # A server joins repeated headers with ", ": two bearer tokens reach the view as one odd value.
    response = api.get("/t/whoami", HTTP_AUTHORIZATION="Bearer aaa, Bearer bbb")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authorization header must be 'Bearer <token>'.", "code": "token_invalid"}

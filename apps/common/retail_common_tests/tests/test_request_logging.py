"""Request ids: accepted or made, echoed, and carried by every JSON log line of the request (python-json-logger)."""

import io
import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.json import JsonFormatter

from retail_common.observability.log_context import LogContextFilter, json_formatter_config
from retail_common.service_settings import logging_config

pytestmark = pytest.mark.django_db


def test_sane_incoming_request_id_is_echoed(api):
    assert api.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"


def test_unsafe_request_id_is_replaced(api):
    response = api.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_a_request_id_with_a_trailing_newline_is_replaced_not_a_500(api):
    response = api.get("/healthz", HTTP_X_REQUEST_ID="abc\n")
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = {k: v for k, v in json_formatter_config().items() if k != "()"}
    handler.setFormatter(JsonFormatter(**config))
    handler.addFilter(LogContextFilter(service="common"))
    logger = logging.getLogger("retail_common.http.error_responses")
    logger.addHandler(handler)
    django_request = logging.getLogger("django.request")
    django_request.addHandler(handler)
    yield stream
    logger.removeHandler(handler)
    django_request.removeHandler(handler)


def test_log_lines_are_json_with_service_and_request_id(client, json_log):
    client.raise_request_exception = False
    client.get("/t/crash", HTTP_X_REQUEST_ID="trace-me")
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert lines, "the crash was logged"
    entry = lines[-1]
    assert entry["service"] == "common"
    assert entry["request_id"] == "trace-me"
    assert entry["level"] == "ERROR"
    assert "RuntimeError: a bug" in entry["exception"]


@pytest.mark.parametrize(("value", "formatter"), [("json", "json"), ("text", "text"), (None, "text")])
def test_log_format_chooses_json_for_the_images_and_text_for_dev(monkeypatch, value, formatter):
    if value is None:
        monkeypatch.delenv("LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("LOG_FORMAT", value)
    config = logging_config("orders")
    assert config["handlers"]["stdout"]["formatter"] == formatter
    assert config["handlers"]["stdout"]["filters"] == ["context"]


def test_an_unknown_log_format_stops_start_up_naming_the_variable(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be json or text, not 'xml'"):
        logging_config("orders")

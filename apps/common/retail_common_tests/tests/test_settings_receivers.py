"""`retail_common.config.retail_settings` knows none of the clients built from it: each resets itself when its
settings change."""

import ast
from pathlib import Path

import retail_common.config.retail_settings


def test_library_settings_import_no_client_module():
    tree = ast.parse(Path(retail_common.config.retail_settings.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}

    assert not imported & {"retail_common.events", "retail_common.events.kafka", "retail_common.auth.jwt_verify"}, (
        imported
    )


def test_kafka_clients_are_forgotten_when_retail_changes(settings):
    from retail_common.events import kafka

    kafka._producer, kafka._breaker = object(), object()

    settings.RETAIL = {**settings.RETAIL, "PUBLISH_TIMEOUT_SECONDS": 0.25}

    assert (kafka._producer, kafka._breaker) == (None, None)
    assert retail_common.config.retail_settings.retail_settings().PUBLISH_TIMEOUT_SECONDS == 0.25


def test_the_token_verifier_is_rebuilt_when_its_settings_change(settings):
    from retail_common.auth.jwt_verify import default_verifier

    before = default_verifier.verifier

    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "LEEWAY": 5}

    assert default_verifier.verifier.backend.leeway == 5

    assert default_verifier.verifier is not before

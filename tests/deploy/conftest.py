import pytest
from deploy_manifests import OVERLAYS, overlay_docs


@pytest.fixture(params=OVERLAYS)
def overlay(request) -> str:
    return request.param


@pytest.fixture
def docs(overlay) -> tuple[dict, ...]:
    return overlay_docs(overlay)

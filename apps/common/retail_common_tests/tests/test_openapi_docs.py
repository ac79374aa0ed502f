"""What every service's /api/schema says beyond drf-spectacular's inference: error bodies, links, health."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api):
    response = api.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_error_bodies_are_documented_for_every_operation(schema):
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]
    listing = schema["paths"]["/api/admin/failed-events"]["get"]["responses"]
    assert set(listing) == {"200", "400", "401", "403", "404", "414"}
    assert listing["400"]["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/Error"}, {"$ref": "#/components/schemas/FieldErrors"}]
    }
    retry = schema["paths"]["/api/admin/failed-events/{id}/retry"]["post"]["responses"]
    assert set(retry) == {"200", "400", "401", "403", "404", "409", "414", "415"}  # writes may conflict


def test_links_name_their_target_by_operation_id(schema):
    links = schema["paths"]["/api/admin/failed-events"]["get"]["responses"]["200"]["links"]
    retry_id = schema["paths"]["/api/admin/failed-events/{id}/retry"]["post"]["operationId"]
    assert links["RetryFirstEvent"] == {"operationId": retry_id, "parameters": {"id": "$response.body#/results/0/id"}}
    assert "x-retail-links" not in schema["paths"]["/api/admin/failed-events"]["get"]


def test_health_endpoints_are_in_the_schema(schema):
    assert set(schema["paths"]["/readyz"]["get"]["responses"]) == {"200", "503"}
    assert schema["paths"]["/healthz"]["get"]["operationId"] == "healthz"


@pytest.mark.parametrize(
    ("query", "status"),
    [("?format=nope", 404), ("?lang=zz", 200), ("?format=json&format=yaml", 200), ("?lang=%00", 400)],
)
def test_odd_queries_of_the_schema_endpoint_are_never_a_500(api, query, status):
    assert api.get(f"/api/schema{query}").status_code == status

"""DomainError kinds, raised in a view as a service would, become one HTTP answer each (the DRF handler)."""

import pytest

CASES = {
    "invalid": (400, {"detail": "Quantity must be positive.", "code": "quantity_invalid"}),
    "invalid-fields": (400, {"quantity": ["Must be positive."]}),
    "authentication": (401, {"detail": "Email or password is incorrect.", "code": "invalid_credentials"}),
    "conflict": (409, {"detail": "The request conflicts with the current state.", "code": "conflict"}),
    "unprocessable": (422, {"detail": "This key was used for another request.", "code": "key_reused"}),
    "unavailable": (503, {"detail": "A dependency is temporarily unavailable.", "code": "service_unavailable"}),
    "plain": (400, {"detail": "The request was refused.", "code": "error"}),
}


@pytest.mark.parametrize(("kind", "answer"), CASES.items(), ids=CASES.keys())
def test_each_kind_maps_to_its_status_and_body(api, kind, answer):
    response = api.post(f"/t/domain-error/{kind}", format="json")

    assert (response.status_code, response.json()) == answer


def test_an_authentication_error_names_the_scheme(api):
    response = api.post("/t/domain-error/authentication", format="json")

    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_detail_is_the_message_of_the_exception():
    from retail_common.domain.errors import Conflict

    error = Conflict("An order in SHIPPED cannot be cancelled.")

    assert str(error) == error.detail == "An order in SHIPPED cannot be cancelled."
    assert error.code == "conflict"


def test_a_kind_declared_with_class_keywords():
    from retail_common.domain.errors import Conflict, DomainError

    class Taken(Conflict, detail="It is taken.", code="taken"):
        """An example kind."""

    class Refined(Taken, code="refined"):
        """Keeps the detail it inherits, changes only the code."""

    assert (Taken().detail, Taken().code) == ("It is taken.", "taken")
    assert (Taken("Not this one.").detail, Taken(code="other").code) == ("Not this one.", "other")
    assert (Refined().detail, Refined().code) == ("It is taken.", "refined")
    assert isinstance(Refined(), Conflict)
    # declaring a kind changes nothing above it
    assert (Conflict().detail, Conflict().code) == ("The request conflicts with the current state.", "conflict")
    assert (DomainError().detail, DomainError().code) == ("The request was refused.", "error")

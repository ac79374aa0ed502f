"""choice_param: the one reader of choice filters such as ?status= (orders, payments, failed events)."""

import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from retail_common.http.query_filters import choice_param
from retail_common.models import FailedEventStatus


def request(query: str) -> Request:
    return Request(APIRequestFactory().get(f"/api/admin/failed-events{query}"))


@pytest.mark.parametrize(("query", "expected"), [("", None), ("?status=", None), ("?status=RETRIED", "RETRIED")])
def test_a_known_value_or_nothing(query, expected):
    assert choice_param(request(query), "status", FailedEventStatus) == expected


@pytest.mark.parametrize("query", ["?status=retried", "?status=LOST", "?status=PENDING%20"])
def test_anything_else_is_a_field_error_naming_the_values(query):
    with pytest.raises(serializers.ValidationError) as raised:
        choice_param(request(query), "status", FailedEventStatus)
    assert raised.value.detail == {"status": ["Must be one of PENDING, RETRIED, DISCARDED, RESOLVED."]}


@pytest.mark.django_db
def test_the_failed_events_api_answers_400_before_any_query(api, admin_auth, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api.get("/api/admin/failed-events?status=nope", **admin_auth)
    assert response.status_code == 400
    assert response.json() == {"status": ["Must be one of PENDING, RETRIED, DISCARDED, RESOLVED."]}

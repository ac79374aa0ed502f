"""Query-string filters of the list endpoints, validated once: a bad value is a 400 naming the parameter."""

from __future__ import annotations

from django.db.models import TextChoices
from rest_framework import serializers


def choice_param(request, name: str, choices: type[TextChoices]) -> str | None:
    """`?name=` when it is one of `choices`, None when absent or empty; anything else is a 400."""
    value = request.query_params.get(name) or None
    if value is not None and value not in choices.values:
        raise serializers.ValidationError({name: [f"Must be one of {', '.join(choices.values)}."]})
    return value

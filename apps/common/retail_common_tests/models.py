from django.db import models


class Effect(models.Model):
    """A handler's visible side effect; deliberately not unique, so a double effect would show."""

    key = models.CharField(max_length=200)
    event_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"effect of {self.key}"

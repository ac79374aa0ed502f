"""Failed events of all four services in one list (each service keeps its own table and API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backends import clients
from backends.http import BackendRejected, BackendUnavailable

STATUSES = ("PENDING", "RETRIED", "DISCARDED", "RESOLVED")


@dataclass(frozen=True)
class FailedEvent:
    service: str
    id: int
    group: str
    topic: str
    key: str
    error_type: str
    error_message: str
    attempts: int
    status: str
    created_at: datetime
    retry_count: int
    payload: str = ""  # the service's readable preview: invalid UTF-8 and control characters escaped
    value_size: int = 0

    @property
    def actionable(self) -> bool:
        return self.status in ("PENDING", "RETRIED")

    @property
    def retryable(self) -> bool:
        """Only a PENDING event can be sent again (409 otherwise); a RETRIED one can still be discarded."""
        return self.status == "PENDING"

    @classmethod
    def from_json(cls, service: str, data: dict) -> FailedEvent:
        return cls(
            service=service,
            id=int(data["id"]),
            group=data.get("group", ""),
            topic=data.get("topic", ""),
            key=data.get("key") or "",
            error_type=data.get("error_type", ""),
            error_message=data.get("error_message", ""),
            attempts=int(data.get("attempts") or 0),
            status=data["status"],
            created_at=datetime.fromisoformat(data["created_at"]),
            retry_count=int(data.get("retry_count") or 0),
            payload=data.get("payload") or "",
            value_size=int(data.get("value_size") or 0),
        )


def collect(access: str, *, service: str = "", status: str = "", topic: str = "") -> tuple[list[FailedEvent], list]:
    """(events newest first, services that could not be asked) for these filters."""
    events, unreachable = [], []
    for name in [service] if service else clients.SERVICES:
        try:
            rows = clients.by_service(name).failed_events(access, status=status, topic=topic)
        except (BackendUnavailable, BackendRejected):
            unreachable.append(name)
            continue
        events.extend(FailedEvent.from_json(name, row) for row in rows)
    events.sort(key=lambda e: e.created_at, reverse=True)
    return events, unreachable

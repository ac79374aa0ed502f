"""The test toolkit: `poll` (the one bounded wait), `spawn` (a Python child under a Supervisor),
`bearer`; the pytest fixtures every project shares are the plugin `retail_dev.testing.fixtures`.

Importing this package does not import Django: the tooling tests use it without settings.
"""

from retail_dev.testing.polling import poll


def bearer(token: str) -> dict:
    """Django test-client headers carrying `token` as a bearer token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


__all__ = ["bearer", "poll"]

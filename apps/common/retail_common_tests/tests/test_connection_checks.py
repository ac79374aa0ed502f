"""ConnectionCheck: loops probe their database connection after a pause or a failure, not per message."""

import time

import pytest
from django.db import OperationalError, connection

from retail_common.db import connection_upkeep as connection_checks
from retail_common.db.connection_upkeep import ConnectionCheck

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def probes(monkeypatch):
    calls = []
    real = connection_checks.close_old_connections
    monkeypatch.setattr(connection_checks, "close_old_connections", lambda: calls.append(1) or real())
    return calls


def test_a_busy_loop_probes_once_then_again_after_a_pause_or_a_failure(probes):
    check = ConnectionCheck(pause_seconds=0.2)
    for _ in range(3):
        check.before()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        check.succeeded()
    assert len(probes) == 1, "the first unit probes; the next ones follow a connection that just worked"

    check.failed()
    check.before()
    assert len(probes) == 2

    check.succeeded()
    time.sleep(0.25)
    check.before()
    assert len(probes) == 3


def test_a_connection_closed_under_the_loop_is_replaced_after_the_failure():
    check = ConnectionCheck()
    check.before()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    check.succeeded()
    with pytest.raises(OperationalError), connection.cursor() as cursor:  # the server ends it, as a restart would
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    check.failed()
    check.before()  # closes the broken connection; the next query opens a new one
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)

"""Every project runs its transactions at READ COMMITTED, stated in its settings rather than inherited from
the server: the services' locking (select_for_update, the outbox and inbox) is written for it.

Each project's settings are loaded in a process of their own, against the real PostgreSQL, with the
server's session default set to SERIALIZABLE (libpq's PGOPTIONS): only the settings' option can make a
transaction READ COMMITTED there.
"""

import json
import subprocess
import sys

import pytest

from retail_dev.environment import project_env
from retail_dev.infra import Postgres
from retail_dev.projects import by_name, web_projects

PROJECTS = tuple(p.name for p in web_projects())

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("SHOW default_transaction_isolation")
    session_default = cursor.fetchone()[0]
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute("SHOW transaction_isolation")
    in_transaction = cursor.fetchone()[0]
option = settings.DATABASES["default"]["OPTIONS"].get("isolation_level")
print(json.dumps({"option": repr(option), "session_default": session_default, "in_transaction": in_transaction}))
"""


@pytest.mark.parametrize("name", PROJECTS)
def test_every_project_pins_read_committed(name):
    project = by_name(name)
    env = project_env(
        project,
        "test",
        DATABASE_URL=Postgres().url_of("postgres"),  # any database answers SHOW
        PGOPTIONS="-c default_transaction_isolation=serializable",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=project.path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "option": "<IsolationLevel.READ_COMMITTED: 2>",
        "session_default": "serializable",
        "in_transaction": "read committed",
    }

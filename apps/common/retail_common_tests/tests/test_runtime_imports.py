"""A running service never loads the Vault bootstrap (retail_common.ops): the web app, the admin and every
management command but `vault_bootstrap` come up without it."""

import json
import subprocess
import sys
import textwrap

# The library's test project as a service starts: settings, apps (ready(): checks, tracing), URLs, the
# WSGI handler, and the list of management commands (names only, as `manage.py help` reads them).
PROBE = """
import json, sys
import django
django.setup()
from django.core.management import get_commands, load_command_class
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver
get_wsgi_application()
get_resolver().url_patterns
for name, app in get_commands().items():
    if app == "retail_common" and name != "vault_bootstrap":
        load_command_class(app, name)
print(json.dumps(sorted(m for m in sys.modules if m.startswith("retail_common."))))
"""


def loaded_modules() -> list[str]:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(PROBE)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_running_service_does_not_import_the_vault_bootstrap():
    loaded = loaded_modules()

    assert "retail_common.service_settings" in loaded and "retail_common.events.kafka" in loaded
    assert [m for m in loaded if m.startswith("retail_common.ops")] == []

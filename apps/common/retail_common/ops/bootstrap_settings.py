"""Settings of `manage vault_bootstrap` in the vault-bootstrap Job (DJANGO_SETTINGS_MODULE there).

The Job runs before Vault holds a secret and before any database exists, in a service's image. A
service's settings need what the Job is the one to create (DATABASE_URL, DJANGO_SECRET_KEY, JWT keys)
and their checks look for it; these settings read nothing from the environment and install only the
commands of retail_common, without its start-up hooks and checks. The command itself reads VAULT_ADDR,
VAULT_UNSEAL_SECRET, VAULT_UNSEAL_NAMESPACE and KUBERNETES_API_URL.
"""

import secrets

# This process signs nothing; Django only refuses to start without a key.
SECRET_KEY = secrets.token_urlsafe(50)
INSTALLED_APPS = ["retail_common.apps.CommandsOnlyConfig"]
DATABASES: dict = {}
USE_TZ = True

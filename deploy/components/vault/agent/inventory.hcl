# Vault Agent of the inventory ServiceAccount (role inventory): each key of secret/retail/inventory into
# its own file under /vault/secrets (SECRETS_DIR).
# Read after common.hcl, what every agent shares (see there how Vault composes the two files).
auto_auth { method "kubernetes" { config = { role = "inventory", token_path = "/var/run/secrets/vault/token" } } }

template { destination = "/vault/secrets/DJANGO_SECRET_KEY", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/inventory\" }}{{ .Data.data.DJANGO_SECRET_KEY }}{{ end }}" }
template { destination = "/vault/secrets/JWT_PUBLIC_KEYS", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/inventory\" }}{{ .Data.data.JWT_PUBLIC_KEYS }}{{ end }}" }
template { destination = "/vault/secrets/DATABASE_URL", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/inventory\" }}postgres://inventory:{{ .Data.data.DATABASE_PASSWORD }}@postgres.retail-data.svc.cluster.local:5432/inventory_db{{ end }}" }

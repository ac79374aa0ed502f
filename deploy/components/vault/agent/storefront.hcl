# Vault Agent of the storefront ServiceAccount (role storefront): each key of secret/retail/storefront into
# its own file under /vault/secrets (SECRETS_DIR).
# Read after common.hcl, what every agent shares (see there how Vault composes the two files).
auto_auth { method "kubernetes" { config = { role = "storefront", token_path = "/var/run/secrets/vault/token" } } }

template { destination = "/vault/secrets/DJANGO_SECRET_KEY", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/storefront\" }}{{ .Data.data.DJANGO_SECRET_KEY }}{{ end }}" }
template { destination = "/vault/secrets/DATABASE_URL", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/storefront\" }}postgres://storefront:{{ .Data.data.DATABASE_PASSWORD }}@postgres.retail-data.svc.cluster.local:5432/storefront_db{{ end }}" }

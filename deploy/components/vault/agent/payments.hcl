# Vault Agent of the payments ServiceAccount (role payments): each key of secret/retail/payments into its
# own file under /vault/secrets (SECRETS_DIR).
# Read after common.hcl, what every agent shares (see there how Vault composes the two files).
auto_auth { method "kubernetes" { config = { role = "payments", token_path = "/var/run/secrets/vault/token" } } }

template { destination = "/vault/secrets/DJANGO_SECRET_KEY", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/payments\" }}{{ .Data.data.DJANGO_SECRET_KEY }}{{ end }}" }
template { destination = "/vault/secrets/JWT_PUBLIC_KEYS", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/payments\" }}{{ .Data.data.JWT_PUBLIC_KEYS }}{{ end }}" }
template { destination = "/vault/secrets/DATABASE_URL", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/payments\" }}postgres://payments:{{ .Data.data.DATABASE_PASSWORD }}@postgres.retail-data.svc.cluster.local:5432/payments_db{{ end }}" }

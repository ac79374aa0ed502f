# Vault Agent of the postgres ServiceAccount (role postgres): the superuser's and every service's database
# password, each into its own file under /vault/secrets, from secret/retail/postgres (the copies
# vault-bootstrap keeps there: this account may read nothing else).
# Read after common.hcl, what every agent shares (see there how Vault composes the two files).
auto_auth { method "kubernetes" { config = { role = "postgres", token_path = "/var/run/secrets/vault/token" } } }

template { destination = "/vault/secrets/POSTGRES_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/postgres\" }}{{ .Data.data.POSTGRES_PASSWORD }}{{ end }}" }
template { destination = "/vault/secrets/users_DATABASE_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/postgres\" }}{{ .Data.data.users_DATABASE_PASSWORD }}{{ end }}" }
template { destination = "/vault/secrets/inventory_DATABASE_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/postgres\" }}{{ .Data.data.inventory_DATABASE_PASSWORD }}{{ end }}" }
template { destination = "/vault/secrets/orders_DATABASE_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/postgres\" }}{{ .Data.data.orders_DATABASE_PASSWORD }}{{ end }}" }
template { destination = "/vault/secrets/payments_DATABASE_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/postgres\" }}{{ .Data.data.payments_DATABASE_PASSWORD }}{{ end }}" }
template { destination = "/vault/secrets/storefront_DATABASE_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/postgres\" }}{{ .Data.data.storefront_DATABASE_PASSWORD }}{{ end }}" }

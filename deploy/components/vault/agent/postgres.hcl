# Vault Agent of the postgres ServiceAccount: logs in with the pod's token (Kubernetes auth, role postgres)
# and renders the superuser's and every service's database password, each into its own file under
# /vault/secrets, from secret/retail/postgres (the copies vault-bootstrap keeps there: this account may
# read nothing else).
vault {
  address = "http://vault.retail-data.svc.cluster.local:8200"
}
auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    config = {
      role = "postgres"
    }
  }
}
template_config {
  exit_on_retry_failure = true
}
template {
  destination = "/vault/secrets/POSTGRES_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/postgres" }}{{ .Data.data.POSTGRES_PASSWORD }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/users_DATABASE_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/postgres" }}{{ .Data.data.users_DATABASE_PASSWORD }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/inventory_DATABASE_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/postgres" }}{{ .Data.data.inventory_DATABASE_PASSWORD }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/orders_DATABASE_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/postgres" }}{{ .Data.data.orders_DATABASE_PASSWORD }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/payments_DATABASE_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/postgres" }}{{ .Data.data.payments_DATABASE_PASSWORD }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/storefront_DATABASE_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/postgres" }}{{ .Data.data.storefront_DATABASE_PASSWORD }}{{ end }}
EOT
}

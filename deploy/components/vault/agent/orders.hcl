# Vault Agent of the orders ServiceAccount: logs in with the pod's token (Kubernetes auth, role orders)
# and renders each key of secret/retail/<service> into its own file under /vault/secrets (SECRETS_DIR).
vault {
  address = "http://vault.retail-data.svc.cluster.local:8200"
}
auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    config = {
      role = "orders"
    }
  }
}
template_config {
  exit_on_retry_failure = true
}
template {
  destination = "/vault/secrets/DJANGO_SECRET_KEY"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/orders" }}{{ .Data.data.DJANGO_SECRET_KEY }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/JWT_PUBLIC_KEYS"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/orders" }}{{ .Data.data.JWT_PUBLIC_KEYS }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/DATABASE_URL"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/orders" }}postgres://orders:{{ .Data.data.DATABASE_PASSWORD }}@postgres.retail-data.svc.cluster.local:5432/orders_db{{ end }}
EOT
}

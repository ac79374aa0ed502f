# Vault Agent of the alertmanager ServiceAccount (retail-observe): logs in with the pod's token (Kubernetes
# auth, role alertmanager) and renders the receivers' credentials (secret/retail/alerting) into files under /vault/secrets.
vault {
  address = "http://vault.retail-data.svc.cluster.local:8200"
}
auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    config = {
      role = "alertmanager"
    }
  }
}
template_config {
  exit_on_retry_failure = true
}
template {
  destination = "/vault/secrets/SMTP_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/alerting" }}{{ .Data.data.SMTP_PASSWORD }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/ALERT_WEBHOOK_URL"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/alerting" }}{{ .Data.data.ALERT_WEBHOOK_URL }}{{ end }}
EOT
}

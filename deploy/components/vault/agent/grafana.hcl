# Vault Agent of the grafana ServiceAccount (retail-observe): logs in with the pod's token (Kubernetes
# auth, role grafana) and renders its admin password and the contact points' credentials (secret/retail/alerting) into files under /vault/secrets.
vault {
  address = "http://vault.retail-data.svc.cluster.local:8200"
}
auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    config = {
      role = "grafana"
    }
  }
}
template_config {
  exit_on_retry_failure = true
}
template {
  destination = "/vault/secrets/GRAFANA_ADMIN_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/grafana" }}{{ .Data.data.GRAFANA_ADMIN_PASSWORD }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/SMTP_PASSWORD"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/alerting" }}{{ .Data.data.SMTP_PASSWORD }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/ALERT_EMAIL_TO"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/alerting" }}{{ .Data.data.ALERT_EMAIL_TO }}{{ end }}
EOT
}
template {
  destination = "/vault/secrets/ALERT_WEBHOOK_URL"
  perms = "0400"
  contents = <<EOT
{{ with secret "secret/data/retail/alerting" }}{{ .Data.data.ALERT_WEBHOOK_URL }}{{ end }}
EOT
}

# Vault Agent of the grafana ServiceAccount (role grafana, retail-observe): its admin password and the
# contact points' credentials (secret/retail/alerting), each into its own file under /vault/secrets.
# Read after common.hcl, what every agent shares (see there how Vault composes the two files).
auto_auth { method "kubernetes" { config = { role = "grafana", token_path = "/var/run/secrets/vault/token" } } }

template { destination = "/vault/secrets/GRAFANA_ADMIN_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/grafana\" }}{{ .Data.data.GRAFANA_ADMIN_PASSWORD }}{{ end }}" }
template { destination = "/vault/secrets/SMTP_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/alerting\" }}{{ .Data.data.SMTP_PASSWORD }}{{ end }}" }
template { destination = "/vault/secrets/ALERT_EMAIL_TO", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/alerting\" }}{{ .Data.data.ALERT_EMAIL_TO }}{{ end }}" }
template { destination = "/vault/secrets/TEAMS_WEBHOOK_URL", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/alerting\" }}{{ .Data.data.TEAMS_WEBHOOK_URL }}{{ end }}" }

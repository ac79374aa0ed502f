# Vault Agent of the alertmanager ServiceAccount (role alertmanager, retail-observe): the receivers'
# credentials (secret/retail/alerting), each into its own file under /vault/secrets.
# Read after common.hcl, what every agent shares (see there how Vault composes the two files).
auto_auth { method "kubernetes" { config = { role = "alertmanager", token_path = "/var/run/secrets/vault/token" } } }

template { destination = "/vault/secrets/SMTP_PASSWORD", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/alerting\" }}{{ .Data.data.SMTP_PASSWORD }}{{ end }}" }
template { destination = "/vault/secrets/TEAMS_WEBHOOK_URL", perms = "0400",
           contents = "{{ with secret \"secret/data/retail/alerting\" }}{{ .Data.data.TEAMS_WEBHOOK_URL }}{{ end }}" }

# What every Vault Agent here shares. Each pod runs
#   vault agent -config=/etc/vault-agent/common.hcl -config=/etc/vault-agent/$(VAULT_ROLE).hcl
# and Vault merges the files in that order: the ServiceAccount's file adds its auto_auth block (the
# Kubernetes login as the role named after the account; mount_path is the default auth/kubernetes) and
# one template block per key. A block set in both files would be taken from the second, so neither
# file repeats the other's (tests/deploy/test_deploy_vault_agents.py checks it).
vault {
  address = "http://vault.retail-data.svc.cluster.local:8200"
}
# Fail (the init container restarts) rather than leave a secret file unrendered.
template_config {
  exit_on_retry_failure = true
}

# Single Vault server with file storage on its PVC. TLS is off inside the cluster: the traffic stays
# on the pod network behind the NetworkPolicies; a production Vault terminates TLS (deploy/README.md).
ui = false
disable_mlock = true
api_addr = "http://vault.retail-data.svc.cluster.local:8200"
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = 1
}
storage "file" {
  path = "/vault/data"
}

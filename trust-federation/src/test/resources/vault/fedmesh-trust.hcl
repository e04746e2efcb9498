# fedmesh trust-federation: sign the clusters' intermediate CSRs with the mount's default issuer.
path "pki/root/sign-intermediate" {
  capabilities = ["create", "update"]
}

# The mount's issuers, for the roots in every cluster's trust bundle.
path "pki/issuers" {
  capabilities = ["list"]
}
path "pki/issuer/+/json" {
  capabilities = ["read"]
}

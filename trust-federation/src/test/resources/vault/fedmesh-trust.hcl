# fedmesh trust-federation: sign the clusters' intermediate CSRs with the mount's default issuer.
path "pki/root/sign-intermediate" {
  capabilities = ["create", "update"]
}

# Root rotation: sign under the root a rotation names, and make the new root issuer.
path "pki/issuer/+/sign-intermediate" {
  capabilities = ["create", "update"]
}
path "pki/issuers/generate/root/internal" {
  capabilities = ["create", "update"]
}

# The mount's issuers, for the roots in every cluster's trust bundle.
path "pki/issuers" {
  capabilities = ["list"]
}
path "pki/issuer/+/json" {
  capabilities = ["read"]
}

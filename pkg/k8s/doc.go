// Package k8s holds helpers shared by the mechanisms that build Kubernetes
// objects: hashing a template into a revision, applying a desired object
// with a write only when something differs, and owner references.
package k8s

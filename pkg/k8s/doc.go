// Package k8s holds helpers shared by the mechanisms that build Kubernetes
// objects: hashing a template into a revision, applying a desired object or
// Service with a write only when something differs, owner references, and
// writing status once, only when it differs.
package k8s

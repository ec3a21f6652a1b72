// Package e2e holds the end-to-end tests. They run against the local control
// plane from hack/ (real kube-apiserver, etcd, controller-manager and
// scheduler, with kwok simulating nodes and pods) and start the operator as a
// separate process built from this tree, as its ServiceAccount: with a token
// of it, and nothing but deploy/operator's Role (test/framework/rbac.go).
package e2e

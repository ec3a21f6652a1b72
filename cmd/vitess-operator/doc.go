// Command vitess-operator runs Vitess clusters and replicated sets in one
// Kubernetes namespace. See README.md and doc/ for what it does.
package main

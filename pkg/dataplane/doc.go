// Package dataplane runs commands inside member pods: the executor that
// reaches a container through pods/exec, and the drivers that turn a
// replicated set's hooks into positions and states.
package dataplane

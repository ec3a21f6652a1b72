// Command simhost is the simulation host of the local control plane. For every
// PersistentVolumeClaim in any namespace it creates and binds a volume backed
// by a directory on this host; for every pod it creates a kwok Exec so that
// kubectl exec into the pod runs on this host, in the directory of the pod's
// data claim, with the pod's identity in the environment. Data outlives the
// pod and is removed with its claim. It marks the pods of lost nodes in the
// registry and gives a node that comes back its Lease (nodes.go).
package main

// Package controller runs one goroutine per managed object. Each managed
// kind registers itself (Registration: its name, API group, informer,
// reconciler and dependents); this package names none. It owns the shared
// informers, routes their events to the goroutine of the object they concern
// (the object itself, the managed object that owns it, or the objects that
// wait on it), and starts and stops goroutines as objects appear and go.
package controller

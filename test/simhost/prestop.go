package main

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// preStops runs the preStop hooks of deleted pods, as a kubelet does before
// it stops a pod's containers: each container's hook runs in the container
// (an exec through the API server, which kwok's Exec carries out on this
// host), all at once, and the pod's processes stop only once every hook has
// returned or the pod's grace period has passed. Until then the pod stays
// reachable: a Vitess primary's pod holds there while its mysqld is writable,
// so that the operator can move the role with a planned reparent.
type preStops struct {
	exec dataplane.Executor
	mu   sync.Mutex
	// done is, by pod key, the pod whose hooks run and whether they
	// returned.
	done map[string]hookRun
}

type hookRun struct {
	uid      types.UID
	returned bool
}

// hooksOf lists the containers of pod that have an exec preStop hook.
func hooksOf(pod *corev1.Pod) []corev1.Container {
	var out []corev1.Container
	for _, c := range pod.Spec.Containers {
		if l := c.Lifecycle; l != nil && l.PreStop != nil && l.PreStop.Exec != nil {
			out = append(out, c)
		}
	}
	return out
}

// returned reports whether the hooks of a deleted pod have returned,
// starting them on the first call; then is called once they have.
func (p *preStops) returned(pod *corev1.Pod, then func()) bool {
	hooks := hooksOf(pod)
	if p == nil || p.exec == nil || len(hooks) == 0 {
		return true
	}
	key := pod.Namespace + "/" + pod.Name
	p.mu.Lock()
	r, ok := p.done[key]
	if ok && r.uid == pod.UID {
		p.mu.Unlock()
		return r.returned
	}
	p.done[key] = hookRun{uid: pod.UID}
	p.mu.Unlock()
	go func() {
		p.run(pod, hooks)
		p.mu.Lock()
		if r := p.done[key]; r.uid == pod.UID {
			p.done[key] = hookRun{uid: pod.UID, returned: true}
		}
		p.mu.Unlock()
		then()
	}()
	return false
}

// run runs every hook at once and returns when all have, or when the pod's
// grace period has passed.
func (p *preStops) run(pod *corev1.Pod, hooks []corev1.Container) {
	grace := 30 * time.Second
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range hooks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := dataplane.Target{Namespace: pod.Namespace, Pod: pod.Name, Container: c.Name}
			_, _ = p.exec.Exec(ctx, t, c.Lifecycle.PreStop.Exec.Command)
		}()
	}
	wg.Wait()
}

// forget drops what is known of a pod that is gone.
func (p *preStops) forget(namespace, name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	delete(p.done, namespace+"/"+name)
	p.mu.Unlock()
}

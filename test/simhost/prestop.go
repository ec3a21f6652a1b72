package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// preStops runs the preStop hooks of deleted pods, as a kubelet does before
// it stops a pod's containers: each container's hook runs in the container
// (here: on this host, as kwok's Exec runs a kubectl exec), all at once,
// and the pod's processes stop only once every hook has returned or the
// pod's grace period has passed. Until then the pod stays reachable: a
// Vitess primary's pod holds there while its mysqld is writable, so that
// the operator can move the role with a planned reparent.
type preStops struct {
	// run runs one container's hook until it returns or ctx ends.
	run hookRunner
	mu  sync.Mutex
	// done is, by pod key, the pod whose hooks run and whether they
	// returned.
	done map[string]hookRun
}

// hookRunner runs the preStop hook of container c of pod.
type hookRunner func(ctx context.Context, pod *corev1.Pod, c corev1.Container) error

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
	if p == nil || p.run == nil || len(hooks) == 0 {
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
		p.runAll(pod, hooks)
		p.mu.Lock()
		if r := p.done[key]; r.uid == pod.UID {
			p.done[key] = hookRun{uid: pod.UID, returned: true}
		}
		p.mu.Unlock()
		then()
	}()
	return false
}

// runAll runs every hook at once and returns when all have, or when the
// pod's grace period has passed.
func (p *preStops) runAll(pod *corev1.Pod, hooks []corev1.Container) {
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
			_ = p.run(ctx, pod, c) // a failed hook, like a kubelet's, stops nothing
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

// runHookHere runs a container's preStop hook on this host, in the pod's
// working directory (the target of its registry link, which stays until the
// hooks have returned) with the environment kubectl exec gives it, and the
// simulators first on the PATH.
func (h *host) runHookHere(ctx context.Context, pod *corev1.Pod, c corev1.Container) error {
	workDir, err := os.Readlink(registryLink(h.root, pod))
	if err != nil {
		return fmt.Errorf("preStop of %s/%s: the pod has no working directory: %w", pod.Namespace, pod.Name, err)
	}
	argv := c.Lifecycle.PreStop.Exec.Command
	if len(argv) == 0 {
		return nil
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = workDir
	cmd.Env = append(os.Environ(), "PATH="+h.simDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	// The hook reads only its own mysqld: the claims it mounts do not matter.
	for _, e := range containerEnv(h.root, pod, c, workDir, nil) {
		cmd.Env = append(cmd.Env, e[0]+"="+e[1])
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("preStop of %s/%s %s: %w: %s", pod.Namespace, pod.Name, c.Name, err, out)
	}
	return nil
}

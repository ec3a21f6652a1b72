package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// registry finds other members' data directories through the links the
// simulation host keeps at <root>/registry/<namespace>/<pod>; a pod that is
// gone has no link, so nothing replicates from or to it.
type registry struct {
	root string
}

// lookup returns the member a pod name or DNS name refers to, resolving a
// DNS name <pod>.<service>.<namespace>.svc... and defaulting to namespace.
func (r registry) lookup(name, namespace string) (member, bool) {
	parts := strings.Split(name, ".")
	pod := parts[0]
	if len(parts) >= 3 {
		namespace = parts[2]
	}
	link := filepath.Join(r.root, "registry", namespace, pod)
	dir, err := filepath.EvalSymlinks(link)
	if err != nil {
		return member{}, false
	}
	uid, err := os.ReadFile(link + ".uid")
	if err != nil {
		return member{}, false
	}
	env := map[string]string{}
	if data, err := os.ReadFile(link + ".env.json"); err == nil {
		_ = json.Unmarshal(data, &env)
	}
	m := member{name: pod, namespace: namespace, dir: dir, uid: string(uid), env: env}
	if fi, err := os.Lstat(link + ".uid"); err == nil {
		m.started = fi.ModTime()
	}
	_, err = os.Stat(link + lostSuffix)
	m.lost = err == nil
	return m, true
}

// lostSuffix names the marker the simulation host keeps beside the registry
// link of a pod whose node is lost (test/simhost): such a pod's processes
// answer nobody and reach nobody.
const lostSuffix = ".lost"

// members returns every registered member of namespace, sorted by name.
func (r registry) members(namespace string) ([]member, error) {
	entries, err := os.ReadDir(filepath.Join(r.root, "registry", namespace))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".uid") && !strings.HasSuffix(n, ".env.json") && !strings.HasSuffix(n, ".tmp") && !strings.HasSuffix(n, ".lost") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []member
	for _, n := range names {
		if m, ok := r.lookup(n, namespace); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

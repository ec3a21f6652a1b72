package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
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
// It reads each entry's files only when its link is new to the registry
// cache (registrycache.go): a command of one shard would otherwise read
// every pod's files of the namespace, which at hundreds of shards cost
// more than the command itself.
func (r registry) members(namespace string) ([]member, error) {
	dir := filepath.Join(r.root, "registry", namespace)
	entries, err := os.ReadDir(dir) // sorted by name
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	listed := make(map[string]bool, len(entries))
	for _, e := range entries {
		listed[e.Name()] = true
	}
	cache := r.loadCache(namespace)
	fresh := make(map[string]cachedEntry, len(cache))
	var out []member
	for _, e := range entries {
		n := e.Name()
		if !isLinkName(n) {
			continue
		}
		c, ok := r.entry(dir, n, namespace, cache)
		if !ok {
			continue // gone since the listing
		}
		fresh[n] = c
		out = append(out, member{name: n, namespace: namespace, dir: c.Dir, uid: c.UID, env: c.Env, started: c.Started,
			lost: listed[n+lostSuffix]})
	}
	if !sameEntries(cache, fresh) {
		r.saveCache(namespace, fresh)
	}
	return out, nil
}

// isLinkName reports whether a registry file name is a pod's link rather
// than one of the files beside it.
func isLinkName(n string) bool {
	for _, suffix := range []string{".uid", ".env.json", ".tmp", lostSuffix} {
		if strings.HasSuffix(n, suffix) {
			return false
		}
	}
	return true
}

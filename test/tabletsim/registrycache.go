package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// The registry cache keeps what each registry entry's files said, under the
// identity of the entry's link: the simulation host writes a pod's .uid and
// .env.json before it renames a new link into place (test/simhost host.go
// link), so a link that is still the one cached still stands for the files
// cached with it. A command then costs one lstat per pod of the namespace
// instead of a dozen system calls and a JSON decode. Each tabletsim process
// reads the cache, and writes it back (to a new file renamed into place)
// when an entry came, went or changed; processes that race lose nothing but
// a later cache hit.

// cachedEntry is one registry entry as its files said when its link was
// linkID.
type cachedEntry struct {
	Link    linkID            `json:"link"`
	Dir     string            `json:"dir"`
	UID     string            `json:"uid"`
	Env     map[string]string `json:"env"`
	Started time.Time         `json:"started"`
}

// linkID tells one link from the next made at the same path: its inode and
// its change time. An inode freed by a replaced link may be reused by a
// later one, but not with the same change time, to the clock's tick.
type linkID struct {
	Ino   uint64 `json:"ino"`
	Nanos int64  `json:"ctime"`
}

// idOf is the identity of the link a FileInfo describes.
func idOf(fi os.FileInfo) (linkID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return linkID{}, false
	}
	return linkID{Ino: st.Ino, Nanos: st.Ctim.Sec*int64(time.Second) + st.Ctim.Nsec}, true
}

// entry is registry entry name of namespace, from the cache when its link
// is the one cached, or else read from its files. It is false when the
// entry is gone.
func (r registry) entry(dir, name, namespace string, cache map[string]cachedEntry) (cachedEntry, bool) {
	fi, err := os.Lstat(filepath.Join(dir, name))
	if err != nil {
		return cachedEntry{}, false
	}
	id, ok := idOf(fi)
	if c, hit := cache[name]; ok && hit && c.Link == id {
		return c, true
	}
	m, found := r.lookup(name, namespace)
	if !found {
		return cachedEntry{}, false
	}
	c := cachedEntry{Dir: m.dir, UID: m.uid, Env: m.env, Started: m.started}
	// Cached only when the link did not change while its files were read:
	// otherwise they may be half the old pod's and half the new one's.
	if after, err := os.Lstat(filepath.Join(dir, name)); err == nil && ok {
		if again, ok := idOf(after); ok && again == id {
			c.Link = id
		}
	}
	return c, true
}

// cachePath is where the registry cache of namespace lives: beside the
// registry, not in it, so no listing of the registry sees it.
func (r registry) cachePath(namespace string) string {
	return filepath.Join(r.root, "registry-cache", namespace+".json")
}

// loadCache reads the registry cache of namespace; a missing or unreadable
// cache is empty.
func (r registry) loadCache(namespace string) map[string]cachedEntry {
	out := map[string]cachedEntry{}
	data, err := os.ReadFile(r.cachePath(namespace))
	if err != nil || json.Unmarshal(data, &out) != nil {
		return map[string]cachedEntry{}
	}
	return out
}

// saveCache replaces the registry cache of namespace with entries, leaving
// out those read while their link changed. A failure to write costs only
// later cache misses, so it is not reported.
func (r registry) saveCache(namespace string, entries map[string]cachedEntry) {
	keep := make(map[string]cachedEntry, len(entries))
	for n, c := range entries {
		if c.Link != (linkID{}) {
			keep[n] = c
		}
	}
	data, err := json.Marshal(keep)
	if err != nil {
		return
	}
	path := r.cachePath(namespace)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), namespace+".*.tmp")
	if err != nil {
		return
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr != nil || cerr != nil {
		_ = os.Remove(f.Name())
		return
	}
	if os.Rename(f.Name(), path) != nil {
		_ = os.Remove(f.Name())
	}
}

// sameEntries reports whether the cache read holds exactly the entries
// found, each with the same link, so there is nothing to write back.
func sameEntries(cached, found map[string]cachedEntry) bool {
	if len(cached) != len(found) {
		return false
	}
	for n, c := range found {
		if have, ok := cached[n]; !ok || have.Link != c.Link || c.Link == (linkID{}) {
			return false
		}
	}
	return true
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BenchmarkGetFullStatusAmongShards measures one GetFullStatus of a shard
// of three tablets in a namespace whose other shards hold many more: what
// the operator's probe of one shard costs the simulator of a big cluster.
func BenchmarkGetFullStatusAmongShards(b *testing.B) {
	for _, shards := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			w := newWorld(b)
			w.tablet("0000000101", "replica")
			w.tablet("0000000102", "replica")
			w.tablet("0000000103", "rdonly")
			for s := 1; s < shards; s++ {
				for i := 1; i <= 3; i++ {
					uid := fmt.Sprintf("%07d%03d", s, i)
					w.register(tabletPod(uid), "uid-"+uid, map[string]string{"TABLET_ALIAS": "zone1-" + uid, "TABLET_UID": uid,
						"TABLET_KEYSPACE": "ks", "TABLET_SHARD": fmt.Sprintf("s%d", s), "TABLET_TYPE": "replica"})
				}
			}
			w.mustVtctl("CreateKeyspace", "--durability-policy=semi_sync", "ks")
			w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.mustVtctl("GetFullStatus", "zone1-0000000102")
			}
		})
	}
}

// TestRegistryCacheFollowsLinks shows the registry cache answering what the
// files say: a pod made anew (a new link) is read anew, a pod gone is gone,
// and a lost marker counts as soon as it is there.
func TestRegistryCacheFollowsLinks(t *testing.T) {
	w := newWorld(t)
	w.register("p-0", "uid-1", map[string]string{"ROLE": "a"})
	w.register("p-1", "uid-1", map[string]string{"ROLE": "b"})
	reg := registry{root: w.root}
	names := func() map[string]member {
		ms, err := reg.members("ns")
		require.NoError(t, err)
		out := map[string]member{}
		for _, m := range ms {
			out[m.name] = m
		}
		return out
	}
	first := names()
	require.Len(t, first, 2)
	assert.Equal(t, "a", first["p-0"].env["ROLE"])

	w.register("p-0", "uid-2", map[string]string{"ROLE": "c"})
	w.removePod("p-1")
	require.NoError(t, os.WriteFile(filepath.Join(w.root, "registry", "ns", "p-0"+lostSuffix), nil, 0o644))
	again := names()
	require.Len(t, again, 1, "a pod gone is gone")
	assert.Equal(t, "uid-2", again["p-0"].uid, "a pod made anew is read anew")
	assert.Equal(t, "c", again["p-0"].env["ROLE"])
	assert.True(t, again["p-0"].lost)
}

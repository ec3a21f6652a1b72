package vitess

import (
	"strconv"
	"strings"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// Pools of tablets and the Vitess tablet type each starts as.
const (
	PoolMasterEligible = "masterEligible"
	PoolBatch          = "batch"
)

// pools are the pools of a shard, in the order their tablets are listed.
var pools = []string{PoolMasterEligible, PoolBatch}

// tabletType is the --init-tablet-type of a pool's tablets.
func tabletType(pool string) string {
	if pool == PoolBatch {
		return "rdonly"
	}
	return "replica"
}

// poolSpec returns a shard's pool by name.
func poolSpec(s *v1alpha1.VitessShard, pool string) *v1alpha1.TabletPool {
	if pool == PoolBatch {
		return s.Spec.Tablets.Batch
	}
	return s.Spec.Tablets.MasterEligible
}

// Tablet is one tablet a shard asks for.
type Tablet struct {
	Cell  string
	Pool  string
	Index int
	UID   uint32
}

// Tablets lists the tablets a shard asks for: in every cell, the
// master-eligible pool and then the batch pool.
func Tablets(s *v1alpha1.VitessShard) []Tablet {
	var out []Tablet
	for _, cell := range s.Spec.Cells {
		for _, pool := range pools {
			p := poolSpec(s, pool)
			if p == nil {
				continue
			}
			for i := 0; i < int(p.Replicas); i++ {
				out = append(out, Tablet{Cell: cell, Pool: pool, Index: i,
					UID: TabletUID(cell, s.Spec.Keyspace, s.Spec.Name, pool, i)})
			}
		}
	}
	return out
}

// ownsAlias reports whether alias is one this shard's tablets could carry:
// a cell of the shard and a UID of one of its pools. Only records of its own
// tablets are ever deleted.
func ownsAlias(s *v1alpha1.VitessShard, alias string) bool {
	i := strings.LastIndex(alias, "-")
	if i < 0 {
		return false
	}
	uid, err := strconv.ParseUint(alias[i+1:], 10, 32)
	if err != nil {
		return false
	}
	cell := alias[:i]
	for _, c := range s.Spec.Cells {
		if c != cell {
			continue
		}
		for _, pool := range pools {
			if uint32(uid)-uint32(uid)%maxPoolIndex == TabletUID(cell, s.Spec.Keyspace, s.Spec.Name, pool, 0) {
				return true
			}
		}
	}
	return false
}

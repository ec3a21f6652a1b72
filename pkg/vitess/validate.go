package vitess

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// Limits of the vitess.io API. The schema enforces them at admission
// (pkg/apis/vitess/v1alpha1); the operator checks them again before it acts,
// for objects stored before the schema did, and FuzzValidateCluster holds
// them to their purpose: every name derived from an accepted spec fits.
const (
	// MaxClusterName keeps the cluster's Service and Deployment names short.
	MaxClusterName = 24
	// MaxClusterAndCell bounds a cluster's and a cell's names together: a
	// tablet pod <cluster>-vttablet-<cell>-<10-digit uid> must fit 63
	// characters, an etcd StatefulSet <cluster>-etcd-<cell> 52 (its pods'
	// controller-revision-hash label adds 11).
	MaxClusterAndCell = 42
	// MaxShards is the most shards a cluster has over all its keyspaces:
	// the largest cluster measured (doc/benchmarks.md).
	MaxShards = 256
	// MaxTablets is the most tablets a cluster has.
	MaxTablets = 1024
	// MaxShardTablets is the most tablets one shard has over its cells.
	MaxShardTablets = 64
)

var (
	// namedShard is the form of a shard's name when it has no key range:
	// no dash, since Vitess reads a name with a dash as a key range.
	namedShard = regexp.MustCompile(`^[a-z0-9]{1,32}$`)
	// serviceName is a DNS-1035 label: what a Service may be named.
	serviceName = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	// keyBound is a key range bound: lower-case hex of whole bytes, at most 16.
	keyBound = regexp.MustCompile(`^([0-9a-f][0-9a-f]){0,16}$`)
)

// keyRange checks a key range's bounds: they become the shard's name and
// part of object names and labels.
func (p *problems) keyRange(field string, kr *v1alpha1.KeyRange) {
	for _, b := range []struct{ name, v string }{{"start", kr.Start}, {"end", kr.End}} {
		if !keyBound.MatchString(b.v) {
			p.add(field+"."+b.name, "%q must be lower-case hex of at most 16 whole bytes", b.v)
		}
	}
	if kr.Start != "" && kr.End != "" && kr.Start >= kr.End {
		p.add(field, "start %q must be less than end %q", kr.Start, kr.End)
	}
}

// problems collects what is wrong with a spec, each naming its field.
type problems []string

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, field+": "+fmt.Sprintf(format, args...))
}

// label requires v to be a DNS label of at most max characters, which does
// not start with a dash: it becomes part of object names and command lines.
func (p *problems) label(field, v string, max int) {
	if errs := validation.IsDNS1123Label(v); len(errs) > 0 {
		p.add(field, "%q is not a DNS label: %s", v, strings.Join(errs, "; "))
	} else if len(v) > max {
		p.add(field, "%q is longer than %d characters", v, max)
	}
}

// maxProblems bounds the problems a message lists, so that status and
// events stay short however wrong a spec is.
const maxProblems = 5

func (p problems) String() string {
	if len(p) > maxProblems {
		return strings.Join(p[:maxProblems], "; ") + fmt.Sprintf("; and %d more", len(p)-maxProblems)
	}
	return strings.Join(p, "; ")
}

// clusterName checks a cluster's name: it starts the names of the cluster's
// Services, which must start with a letter and hold no dot.
func (p *problems) clusterName(field, name string) {
	if !serviceName.MatchString(name) || len(name) > MaxClusterName {
		p.add(field, "%q must be at most %d characters, a lower-case letter first, then letters, digits and dashes: it starts Service names", name, MaxClusterName)
	}
}

// cells checks the cells a cluster's tablets run in.
func (p *problems) cells(field, cluster string, cells []string) {
	for i, c := range cells {
		f := fmt.Sprintf("%s[%d]", field, i)
		p.label(f, c, MaxClusterAndCell)
		if c == v1alpha1.GlobalCellName {
			p.add(f, "tablets do not run in the global cell")
		}
		if len(cluster)+len(c) > MaxClusterAndCell {
			p.add(f, "the cluster's and the cell's names together must not exceed %d characters", MaxClusterAndCell)
		}
	}
}

// tablets checks a shard's pools: a primary needs a master-eligible tablet,
// and a shard holds at most MaxShardTablets.
func (p *problems) tablets(field string, t v1alpha1.TabletsSpec, cells int) {
	me := poolReplicas(t.MasterEligible)
	if me < 1 {
		p.add(field+".masterEligible.replicas", "must be at least 1: without master-eligible tablets there is no primary")
	}
	if n := cells * (me + poolReplicas(t.Batch)); n > MaxShardTablets {
		p.add(field, "%d tablets a shard, more than %d", n, MaxShardTablets)
	}
}

func poolReplicas(p *v1alpha1.TabletPool) int {
	if p == nil {
		return 0
	}
	return int(p.Replicas)
}

// ValidateShard says, naming each field, why the operator will not run a
// VitessShard, or "" when it will.
func ValidateShard(s *v1alpha1.VitessShard) string {
	var p problems
	p.clusterName("spec.cluster", s.Spec.Cluster)
	p.label("spec.keyspace", s.Spec.Keyspace, 32)
	if kr := s.Spec.KeyRange; kr != nil {
		p.keyRange("spec.keyRange", kr)
	}
	switch kr := s.Spec.KeyRange; {
	case kr != nil && s.Spec.Name != kr.Start+"-"+kr.End:
		p.add("spec.name", "%q must be keyRange.start-keyRange.end", s.Spec.Name)
	case kr == nil && !namedShard.MatchString(s.Spec.Name):
		p.add("spec.name", "%q must be 1 to 32 lower-case letters and digits: Vitess reads a name with a dash as a key range", s.Spec.Name)
	}
	if len(s.Spec.Cells) == 0 {
		p.add("spec.cells", "at least one cell is needed")
	}
	p.cells("spec.cells", s.Spec.Cluster, s.Spec.Cells)
	p.tablets("spec.tablets", s.Spec.Tablets, len(s.Spec.Cells))
	return p.String()
}

// ValidateKeyspace says, naming each field, why the operator will not
// register a VitessKeyspace, or "" when it will: its name goes on
// vtctldclient's command line.
func ValidateKeyspace(ks *v1alpha1.VitessKeyspace) string {
	var p problems
	p.clusterName("spec.cluster", ks.Spec.Cluster)
	p.label("spec.name", ks.Spec.Name, 32)
	return p.String()
}

// validateCluster fails, naming each field, on a cluster the operator will
// not run. Render calls it first.
func validateCluster(vc *v1alpha1.VitessCluster) error {
	var p problems
	p.clusterName("metadata.name", vc.Name)
	for i, c := range vc.Spec.Cells {
		f := fmt.Sprintf("spec.cells[%d].name", i)
		p.label(f, c.Name, MaxClusterAndCell)
		if len(vc.Name)+len(c.Name) > MaxClusterAndCell {
			p.add(f, "the cluster's and the cell's names together must not exceed %d characters", MaxClusterAndCell)
		}
	}
	shards, tablets := 0, 0
	for i, ks := range vc.Spec.Keyspaces {
		f := fmt.Sprintf("spec.keyspaces[%d]", i)
		p.label(f+".name", ks.Name, 32)
		p.cells(f+".cells", vc.Name, ks.Cells)
		p.tablets(f+".tablets", ks.Tablets, len(ks.Cells))
		for j, s := range ks.Shards {
			if s.KeyRange != nil {
				p.keyRange(fmt.Sprintf("%s.shards[%d].keyRange", f, j), s.KeyRange)
			}
			if s.KeyRange == nil && !namedShard.MatchString(s.Name) {
				p.add(fmt.Sprintf("%s.shards[%d].name", f, j), "%q must be 1 to 32 lower-case letters and digits: Vitess reads a name with a dash as a key range", s.Name)
			}
		}
		n := max(len(ks.Shards), 1)
		shards += n
		tablets += n * len(ks.Cells) * (poolReplicas(ks.Tablets.MasterEligible) + poolReplicas(ks.Tablets.Batch))
	}
	p.backup(vc)
	if shards > MaxShards {
		p.add("spec.keyspaces", "%d shards, more than %d", shards, MaxShards)
	}
	if tablets > MaxTablets {
		p.add("spec.keyspaces", "%d tablets, more than %d", tablets, MaxTablets)
	}
	if len(p) > 0 {
		return fmt.Errorf("the operator does not run this cluster: %s", p)
	}
	return nil
}

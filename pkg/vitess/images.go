package vitess

import (
	"strings"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// Image is the Vitess image the operator uses where a spec names none.
const Image = "vitess/lite:v24.0.0"

// defaultEtcdVersion is the etcd the operator runs when a cell names none.
const defaultEtcdVersion = "3.6.8"

// vitessImage is the first image named, most specific first, else Image.
// Every Vitess container (vtctld, vtgate, vttablet, mysqld) picks its image
// this one way.
func vitessImage(named ...string) string {
	for _, image := range named {
		if image != "" {
			return image
		}
	}
	return Image
}

// tabletImage is a tablet container's image: the pool's, else the shard's
// default, else the operator's.
func tabletImage(s *v1alpha1.VitessShard, c *v1alpha1.TabletContainer) string {
	var pool, shard string
	if c != nil {
		pool = c.Image
	}
	if d := s.Spec.Tablets.Defaults; d != nil {
		shard = d.Image
	}
	return vitessImage(pool, shard)
}

// etcdImage is the image of a cell's etcd: the one named, else the version's
// release image (a leading v may be given or not), else the default release.
func etcdImage(e *v1alpha1.EtcdSpec) string {
	if e.Image != "" {
		return e.Image
	}
	v := strings.TrimPrefix(e.Version, "v")
	if v == "" {
		v = defaultEtcdVersion
	}
	return "quay.io/coreos/etcd:v" + v
}

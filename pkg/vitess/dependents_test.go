package vitess

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
)

// TestDependentKeys proves the dependents found by label are poked, and
// that a lister that fails on the selector pokes every object of the kind
// rather than none.
func TestDependentKeys(t *testing.T) {
	shard := func(name, ks string) *v1alpha1.VitessShard {
		return &v1alpha1.VitessShard{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS, Labels: map[string]string{LabelKeyspace: ks}}}
	}
	all := []*v1alpha1.VitessShard{shard("a-0", "a"), shard("b-0", "b")}
	list := func(failSelective bool) func(labels.Selector) ([]*v1alpha1.VitessShard, error) {
		return func(sel labels.Selector) ([]*v1alpha1.VitessShard, error) {
			if failSelective && !sel.Empty() {
				return nil, errors.New("no index")
			}
			var out []*v1alpha1.VitessShard
			for _, s := range all {
				if sel.Matches(labels.Set(s.Labels)) {
					out = append(out, s)
				}
			}
			return out, nil
		}
	}
	key := func(name string) controller.Key {
		return controller.Key{Kind: controller.KindVitessShard, Namespace: testNS, Name: name}
	}
	for _, tc := range []struct {
		name string
		fail bool
		want []controller.Key
	}{
		{"by label", false, []controller.Key{key("a-0")}},
		{"lister fails", true, []controller.Key{key("a-0"), key("b-0")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := dependentKeys(controller.KindVitessShard, labels.Set{LabelKeyspace: "a"}, list(tc.fail))
			assert.Equal(t, tc.want, got)
		})
	}
}

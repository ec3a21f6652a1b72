package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestVitessImage proves the most specific image named wins and that the
// operator's image stands in when none is.
func TestVitessImage(t *testing.T) {
	for _, tc := range []struct {
		named []string
		want  string
	}{
		{nil, Image},
		{[]string{""}, Image},
		{[]string{"", ""}, Image},
		{[]string{"a:1"}, "a:1"},
		{[]string{"", "b:2"}, "b:2"},
		{[]string{"a:1", "b:2"}, "a:1"},
	} {
		assert.Equal(t, tc.want, vitessImage(tc.named...), "%q", tc.named)
	}
}

// TestTabletImage proves a tablet container takes the pool's image, else the
// shard's default, else the operator's.
func TestTabletImage(t *testing.T) {
	shard := func(def string) *v1alpha1.VitessShard {
		s := &v1alpha1.VitessShard{}
		if def != "" {
			s.Spec.Tablets.Defaults = &v1alpha1.TabletDefaults{Image: def}
		}
		return s
	}
	for _, tc := range []struct {
		name      string
		shardDef  string
		container *v1alpha1.TabletContainer
		want      string
	}{
		{"nothing named", "", nil, Image},
		{"empty container", "", &v1alpha1.TabletContainer{}, Image},
		{"shard default", "d:1", &v1alpha1.TabletContainer{}, "d:1"},
		{"shard default, no container", "d:1", nil, "d:1"},
		{"pool wins", "d:1", &v1alpha1.TabletContainer{Image: "p:2"}, "p:2"},
	} {
		assert.Equal(t, tc.want, tabletImage(shard(tc.shardDef), tc.container), tc.name)
	}
}

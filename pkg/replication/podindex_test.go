package replication

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

func TestSetPodsListsOneSetsPods(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, PodIndexers())
	long := "shard-" + strings.Repeat("x", 70) // beyond a label value's 63 characters
	add := func(ns, name string, l map[string]string) {
		require.NoError(t, idx.Add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: l}}))
	}
	add("a", "s-0", SetLabels("Kind", "s"))
	add("a", "s-1", SetLabels("Kind", "s"))
	add("a", "t-0", SetLabels("Kind", "t"))
	add("a", "other-kind-0", SetLabels("Other", "s"))
	add("b", "s-0", SetLabels("Kind", "s"))
	add("a", "unlabelled", nil)
	add("a", "long-0", SetLabels("Kind", long))

	names := func(ns, kind, set string) []string {
		pods, err := NewSetPods(idx).List(ns, kind, set)
		require.NoError(t, err)
		var out []string
		for _, p := range pods {
			out = append(out, p.Namespace+"/"+p.Name)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"a/s-0", "a/s-1"}, names("a", "Kind", "s"))
	assert.ElementsMatch(t, []string{"b/s-0"}, names("b", "Kind", "s"))
	assert.ElementsMatch(t, []string{"a/long-0"}, names("a", "Kind", long))
	assert.Empty(t, names("a", "Kind", "none"))
}

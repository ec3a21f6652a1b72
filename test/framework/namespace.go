package framework

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var unsafeName = regexp.MustCompile(`[^a-z0-9-]+`)

// NewNamespace creates a namespace for one test, named after it, and waits
// until its default ServiceAccount exists, since pods created before that
// are refused. The namespace is deleted when the test ends, unless the test
// failed and KEEP_NAMESPACES is set.
func (c *Cluster) NewNamespace(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(base) > 40 {
		base = base[:40]
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	name := strings.Trim(base, "-") + "-" + hex.EncodeToString(suffix)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   name,
		Labels: map[string]string{"vitess-operator.io/e2e": "true"},
	}}
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("KEEP_NAMESPACES") != "" {
			t.Logf("keeping namespace %s", name)
			return
		}
		// The test is over: its pods are removed at once rather than given
		// their grace period (a tablet primary's pod would hold up to a
		// minute for a handover no operator makes any more).
		_ = c.Kube.CoreV1().Pods(name).DeleteCollection(context.Background(),
			metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}, metav1.ListOptions{})
		_ = c.Kube.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	gvr := corev1.SchemeGroupVersion.WithResource("serviceaccounts")
	if _, err := c.WaitFor(ctx, gvr, name, "default", Exists); err != nil {
		t.Fatalf("namespace %s: %v", name, err)
	}
	return name
}

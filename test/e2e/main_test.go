package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/vitess-operator/vitess-operator/test/framework"
)

// cluster is the local cluster every test in this package runs against.
var cluster *framework.Cluster

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	c, err := framework.Setup(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	cluster = c
	os.Exit(m.Run())
}

// testContext is the context of one test: it ends with the test, or after
// limit, whichever comes first.
func testContext(t *testing.T, limit time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx
}

package dataplane

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestExecConnectionsResumeTheirTLSSession proves that the exec
// connections share one TLS session cache: the first handshake is full,
// the next ones resume it (each exec is a new connection). The server here
// refuses every upgrade, so each exec fails after its handshake.
func TestExecConnectionsResumeTheirTLSSession(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no upgrades here", http.StatusBadRequest)
	}))
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	cfg := &rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
	kube, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	e, err := NewPodExecutor(cfg, kube)
	require.NoError(t, err)

	for range 3 {
		_, err := e.Exec(context.Background(), Target{Namespace: "ns", Pod: "p", Container: "c"}, []string{"true"})
		require.Error(t, err, "the server refuses the upgrade")
	}
	full, resumed := e.Handshakes()
	assert.Equal(t, int64(1), full, "one full handshake")
	assert.Equal(t, int64(2), resumed, "the later connections resume the session")
}

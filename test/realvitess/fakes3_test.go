package realvitess

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 is an S3-compatible store on loopback: gofakes3 with its memory
// backend, served in the test process. It answers only requests signed
// with its access key, as a store whose bucket the key is granted on: a
// Vitess process reaches it only with the credentials the tier gives it
// from the Secret.
type fakeS3 struct {
	// URL is the endpoint, http://127.0.0.1:port.
	URL string
	// Bucket is made when the store starts.
	Bucket string
	// KeyID and SecretKey are the credentials it accepts.
	KeyID, SecretKey string

	backend *s3mem.Backend
	// served and denied count the requests answered and refused.
	served, denied atomic.Int64
}

// startFakeS3 serves a store with one bucket until the test ends.
func startFakeS3(t *testing.T, bucket string) *fakeS3 {
	t.Helper()
	f := &fakeS3{Bucket: bucket, KeyID: "AKIA" + strings.ToUpper(randomHex(t, 8)), SecretKey: randomHex(t, 20),
		backend: s3mem.New()}
	if err := f.backend.CreateBucket(bucket); err != nil {
		t.Fatalf("fake S3: creating bucket %s: %v", bucket, err)
	}
	s3 := gofakes3.New(f.backend).Server()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fake S3: %v", err)
	}
	f.URL = "http://" + l.Addr().String()
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// SigV4 names the key in the Authorization header:
		// Credential=<key id>/<date>/<region>/s3/aws4_request.
		if !strings.Contains(r.Header.Get("Authorization"), "Credential="+f.KeyID+"/") {
			f.denied.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`))
			return
		}
		f.served.Add(1)
		if err := refuseUnsignedChunks(r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s3.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return f
}

// objects lists the keys under prefix in the bucket.
func (f *fakeS3) objects(prefix string) ([]string, error) {
	list, err := f.backend.ListBucket(f.Bucket, &gofakes3.Prefix{HasPrefix: true, Prefix: prefix}, gofakes3.ListBucketPage{})
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, o.Key)
	}
	return keys, nil
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// refuseUnsignedChunks refuses an aws-chunked upload other than with signed
// chunks, the only kind gofakes3 v1.2.0 decodes (one with trailing
// checksums it would store with its framing, and the restore would fail on
// a hash mismatch far from the cause). The AWS SDK in Vitess v24 sends none
// over plain HTTP; this says so at once if that changes.
func refuseUnsignedChunks(r *http.Request) error {
	if strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") &&
		r.Header.Get("X-Amz-Content-Sha256") != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" {
		return errors.New("fake S3: gofakes3 cannot store an aws-chunked upload with " + r.Header.Get("X-Amz-Content-Sha256"))
	}
	return nil
}

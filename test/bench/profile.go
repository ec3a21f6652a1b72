package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// maxProfile bounds a CPU profile: a window of the interval is enough to
// see where the time goes, and the profile's own sampling costs a little.
const maxProfile = time.Minute

// profileCPU records a CPU profile of the operator at addr (started with
// --profiling) over d, at most maxProfile, into file under the run's output
// directory, for `go tool pprof`. It runs alongside a measurement; a
// failure is reported, never fatal to the run.
func (b *bench) profileCPU(ctx context.Context, addr string, d time.Duration, file string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := filepath.Join(b.out, file)
		if err := fetchProfile(ctx, addr, min(d, maxProfile), path); err != nil {
			b.logf("no CPU profile %s: %v", path, err)
			return
		}
		b.logf("CPU profile: %s (go tool pprof -top %s)", path, path)
	}()
	return done
}

func fetchProfile(ctx context.Context, addr string, d time.Duration, path string) error {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(1, int(d.Seconds())))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

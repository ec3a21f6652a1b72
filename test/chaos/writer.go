package main

import (
	"context"
	"sync/atomic"
	"time"
)

// writeEvery is the pause between two writes to one set.
const writeEvery = 250 * time.Millisecond

// writeLoop writes to the primary of group until ctx ends, as a client
// that finds the primary by trying: it writes only where exactly one
// member acts as the primary, and records each write the durability
// policy acknowledged.
func writeLoop(ctx context.Context, w simWriter, reg, group string, l *ledger, refused *atomic.Int64) {
	tick := time.NewTicker(writeEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var ms []member
		for _, m := range readMembers(reg) {
			if m.Group == group {
				ms = append(ms, m)
			}
		}
		primaries := acting(ms)
		if len(primaries) != 1 {
			continue
		}
		g, err := w.write(ctx, primaries[0])
		if err != nil {
			refused.Add(1)
			continue
		}
		l.record(group, g)
	}
}

package realvitess

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Ports are handed out in blocks: a tier holds an exclusive flock on a
// block's file in the temporary directory while it lives, so two tiers, in
// one test process or in two (make test-scenarios runs the realvitess and
// scenarios packages side by side), never share a port. The blocks lie below
// the kernel's ephemeral range: a port asked of the kernel (":0") and closed
// again could be handed out at once as the local end of some outgoing
// connection (a replica's to its source, vtctld's to a tablet), and mysqld
// or vttablet binding it later would fail until that connection closed; a
// tablet restarted on its old port could fail the same way.
const (
	portBlockSize = 64
	portRangeLow  = 20000
	portLockDir   = "realvitess-ports"
)

// portSet hands out TCP ports free on every interface when handed out
// (mysqld listens on all of them), never one it handed out before.
type portSet struct {
	mu     sync.Mutex
	blocks []*os.File
	next   int // the next port of the newest block to probe
	end    int // past the newest block's last port
}

// take returns n distinct ports.
func (ps *portSet) take(n int) ([]int, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var ports []int
	for len(ports) < n {
		if ps.next >= ps.end {
			if err := ps.reserveBlock(); err != nil {
				return nil, err
			}
		}
		p := ps.next
		ps.next++
		if portFree(p) {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// release gives the blocks back; the tier's processes must have exited.
func (ps *portSet) release() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, f := range ps.blocks {
		f.Close() // closing the last descriptor drops the flock
	}
	ps.blocks, ps.next, ps.end = nil, 0, 0
}

// reserveBlock locks the first block no other tier holds.
func (ps *portSet) reserveBlock() error {
	high, err := portRangeHigh()
	if err != nil {
		return err
	}
	dir := filepath.Join(os.TempDir(), portLockDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("realvitess: port locks: %w", err)
	}
	for first := portRangeLow; first+portBlockSize <= high; first += portBlockSize {
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(first)), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return fmt.Errorf("realvitess: port locks: %w", err)
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			continue
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("realvitess: locking ports from %d: %w", first, err)
		}
		ps.blocks = append(ps.blocks, f)
		ps.next, ps.end = first, first+portBlockSize
		return nil
	}
	return fmt.Errorf("realvitess: every block of %d ports from %d to %d is held by another tier", portBlockSize, portRangeLow, high)
}

// portRangeHigh is where the kernel's ephemeral ports begin.
func portRangeHigh() (int, error) {
	const path = "/proc/sys/net/ipv4/ip_local_port_range"
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("realvitess: %w", err)
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return 0, fmt.Errorf("realvitess: %s holds %q, not two ports", path, b)
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low < portRangeLow+portBlockSize {
		return 0, fmt.Errorf("realvitess: %s begins at %q, which leaves no ports from %d below it", path, fields[0], portRangeLow)
	}
	return low, nil
}

// portFree says whether nothing listens on, or holds, port on any interface.
func portFree(port int) bool {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

package realvitess

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// logFiles lists the files under dir whose names end in .log, sorted.
func logFiles(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".log") {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// pidFromFile reads a pid file, as mysqld writes one.
func pidFromFile(path string) (int, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid, err == nil && pid > 0
}

// alive reports whether a pid names a live process (not a zombie).
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// groupMembers returns the pids in process group pgid.
func groupMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		// Fields after the name: state, ppid, pgrp.
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" {
			out = append(out, pid)
		}
	}
	return out
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

// reaperOnce makes the reaper start once per test process: being a child
// subreaper is a property of the process, not of a substrate.
var reaperOnce sync.Once

// startReaper makes the test process the reaper of its orphaned descendants
// and reaps them. mysqld, orphaned when mysqld_safe and mysqlctld are killed
// with it, would otherwise stay a zombie wherever PID 1 does not reap (as in
// many containers), and mysqld_safe, finding the zombie's pid in the pid file
// alive, refuses to start mysqld again ("A mysqld process already exists").
func startReaper() {
	reaperOnce.Do(func() {
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
			return
		}
		go func() {
			for {
				reapOrphans()
				time.Sleep(100 * time.Millisecond)
			}
		}()
	})
}

// reapOrphans reaps the zombie children of the test process that it did not
// start itself. The tier starts every process as the leader of its own
// process group, and os/exec reaps those; an orphan adopted from one of them
// is a member of that group, never its leader. A child os/exec started
// without a group of its own (the simulator substrate's commands, run in
// the same test process) is in the test process's group: os/exec reaps it,
// and reaping it here would make its Wait fail with "no child processes".
func reapOrphans() {
	me := strconv.Itoa(os.Getpid())
	myGroup := strconv.Itoa(syscall.Getpgrp())
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		// Fields after the name: state, ppid, pgrp.
		f := strings.Fields(s[i+1:])
		if len(f) > 2 && f[0] == "Z" && f[1] == me && f[2] != e.Name() && f[2] != myGroup {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
	}
}

// ownerFile, in a tier's directory, names the test process that made it.
const ownerFile = "owner"

// procStart is a process's start time in clock ticks since boot, which tells
// a live process from a later one that reuses its pid.
func procStart(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	// starttime is field 22 of stat; f starts at field 3.
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

func writeOwner(dir string) error {
	pid := os.Getpid()
	return os.WriteFile(filepath.Join(dir, ownerFile), fmt.Appendf(nil, "%d %s\n", pid, procStart(pid)), 0o644)
}

// sweepStale removes what earlier test processes left behind when they died
// without cleaning up (a go test -timeout panic skips every cleanup): for
// each tier directory whose owner is gone, it kills the processes still
// running from that directory (mysqld_safe and mysqld outlive the test,
// which only its direct children's parent-death signal stops) and removes it.
func sweepStale(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, "rv-*"))
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // not a tier's, or one being made
		}
		var pid int
		var start string
		if _, err := fmt.Sscan(string(data), &pid, &start); err != nil {
			continue
		}
		if procStart(pid) == start {
			continue // its test still runs
		}
		for _, p := range processesUnder(dir) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		_ = os.RemoveAll(dir)
	}
}

// processesUnder lists the live processes whose command line names a path
// under dir.
func processesUnder(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(cmdline, []byte(dir+"/")) {
			out = append(out, pid)
		}
	}
	return out
}

// canReach fails when the account could not reach path: Vitess's daemons
// run from REAL_VITESS_BIN as the account, so every directory above it must
// let others through (a checkout under a private home does not).
func (a account) canReach(path string) error {
	if a.cred == nil {
		return nil
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok && st.Uid != a.cred.Uid && fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("user %s cannot reach %s: %s is not searchable by others (chmod o+x it, or keep the checkout elsewhere)", a.name, path, dir)
		}
		if dir == "/" {
			return nil
		}
	}
}

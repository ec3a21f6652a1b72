package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// inFlight are the engine's actions that take long enough for a kill to
// land in the middle: each runs commands in member pods or changes pods.
var inFlight = map[string]bool{
	"Promote": true, "Seed": true, "Stop": true, "Fence": true, "Follow": true,
	"Switchover": true, "CreatePods": true, "DeletePod": true, "Forget": true,
}

// action is an engine action the operator logged as it began it.
type action struct {
	Type    string
	Members string
	Set     string
	At      time.Time
}

// supervisor runs the operator as a process and restarts it after each
// kill, always under the same Lease identity, so that a restart leads at
// once, as a restarted pod does. It reads the operator's JSON log to know
// when an action is in flight.
type supervisor struct {
	bin, kubeconfig, namespace, logPath string
	// logLevel is the operator's --log-level.
	logLevel string
	actions  chan action

	// life is held while a process is killed and replaced, so that the
	// watch never starts a second one in between.
	life     sync.Mutex
	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{}
	restarts int
	// exits counts the processes that ended on their own, which the watch
	// started again.
	exits int
}

func newSupervisor(bin, kubeconfig, namespace, logDir, logLevel string) *supervisor {
	return &supervisor{bin: bin, kubeconfig: kubeconfig, namespace: namespace, logLevel: logLevel,
		logPath: filepath.Join(logDir, namespace+"-operator.log"), actions: make(chan action, 64)}
}

// start starts an operator process.
func (s *supervisor) start() error {
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "--kubeconfig="+s.kubeconfig, "--namespace="+s.namespace,
		"--health-addr=127.0.0.1:0", "--metrics-addr=", "--log-format=json", "--log-level="+s.logLevel)
	cmd.Env = append(os.Environ(), "POD_NAME=chaos-operator")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		_ = logFile.Close()
		return err
	}
	cmd.Stdout = logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("starting the operator: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		s.scan(pipe, logFile)
		_ = cmd.Wait()
		_ = logFile.Close()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	return nil
}

// scan copies the log to its file and passes on each action as it begins.
func (s *supervisor) scan(r io.Reader, out io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = out.Write(append(line, '\n'))
		// Members are ordinals for a set, tablet UIDs for a shard: numbers
		// either way, kept as they were logged.
		var entry struct {
			Action  string          `json:"action"`
			Members json.RawMessage `json:"members"`
			Set     string          `json:"set"`
		}
		if json.Unmarshal(line, &entry) != nil || !inFlight[entry.Action] {
			continue
		}
		select {
		case s.actions <- action{Type: entry.Action, Members: string(entry.Members), Set: entry.Set, At: time.Now()}:
		default: // nobody waits for one now; the next kill drains stale ones
		}
	}
}

// kill ends the running operator with SIGKILL and waits until it is gone.
func (s *supervisor) kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// restart kills the operator and starts another.
func (s *supervisor) restart() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.kill()
	s.mu.Lock()
	s.restarts++
	s.mu.Unlock()
	return s.start()
}

// watch starts the operator again whenever it ends on its own, until ctx
// ends, as the kubelet restarts a container: the operator exits when it
// loses its Lease (an API server or etcd down for longer than the renew
// deadline), by design, so that it never acts beside a successor.
func (s *supervisor) watch(ctx context.Context, started func(err error)) {
	for {
		s.mu.Lock()
		exited := s.exited
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-exited:
		}
		s.life.Lock()
		s.mu.Lock()
		current := s.exited == exited
		s.mu.Unlock()
		if current && ctx.Err() == nil {
			err := s.start()
			s.mu.Lock()
			s.exits++
			s.mu.Unlock()
			started(err)
		}
		s.life.Unlock()
	}
}

// drain discards the actions logged before now.
func (s *supervisor) drain() {
	for {
		select {
		case <-s.actions:
		default:
			return
		}
	}
}

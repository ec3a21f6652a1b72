package dataplane

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/vitess-operator/vitess-operator/pkg/redact"
)

// u1 is a server UUID for the seeds.
const u1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562"

// Fuzz targets of the data plane's parsers, beside those of commands_test.go
// and of package position: whatever a member or vtctldclient prints, the
// operator does not panic, and what it makes of the output keeps the
// invariants the engine relies on. `make fuzz` runs each for a while; the
// seeds below (and testdata/fuzz) run with every `go test`.

// FuzzHookOutput holds the commands driver to the RSS hook contract for any
// output and exit code: the sequence hook's answer is a position only when
// it exited 0 and printed an unsigned integer (FuzzPositionParse covers the
// output alone), and the status hook's exit code alone decides the state,
// with a bounded detail.
func FuzzHookOutput(f *testing.F) {
	for _, seed := range []struct {
		stdout, stderr string
		exit           int
	}{
		{"42\n", "", 0}, {" 18446744073709551615 ", "", 0}, {"18446744073709551616", "", 0}, {"-1", "", 0},
		{"", "boom", 7}, {"", "", 8}, {"x", strings.Repeat("é", 300), 3}, {"1e3", "", 0},
	} {
		f.Add(seed.stdout, seed.stderr, seed.exit)
	}
	f.Fuzz(func(t *testing.T, stdout, stderr string, exit int) {
		c := NewCommands(&fakeExec{res: Result{Stdout: stdout, Stderr: stderr, ExitCode: exit}}, testCommands())
		pos, err := c.Position(context.Background(), member0)
		want, perr := strconv.ParseUint(strings.TrimSpace(stdout), 10, 64)
		switch {
		case exit != 0 || perr != nil:
			if err == nil {
				t.Fatalf("sequence hook exiting %d with %q gave position %v, want an error", exit, stdout, pos)
			}
		case err != nil || pos != Sequence(want):
			t.Fatalf("sequence hook printing %q gave %v, %v; want %d", stdout, pos, err, want)
		}
		st, detail := c.Status(context.Background(), member0)
		wantState := map[int]State{StatusExitSecondary: StateSecondary, StatusExitStopped: StateStopped, StatusExitPrimary: StatePrimary}[exit]
		if wantState == "" {
			wantState = StateFailed
		}
		if st != wantState {
			t.Fatalf("status hook exiting %d gave %s, want %s", exit, st, wantState)
		}
		// The output is bounded by redact.Limit; the hook's own words come on top.
		if len(detail) > redact.Limit+100 {
			t.Fatalf("status detail of %d bytes is not bounded", len(detail))
		}
	})
}

// FuzzProbeOutput holds the reading of the Vitess probe script's output
// (vitess_observe.go) to what the engine relies on for any output: no
// panic; a tablet is primary, secondary or stopped only when its status
// command exited 0 and printed a status, primary only when it said its
// mysqld is writable; and every detail is short enough for a condition.
func FuzzProbeOutput(f *testing.F) {
	primary := `{"tablet_type":"PRIMARY","read_only":false,"primary_status":{"position":"MySQL56/` + u1 + `:1-5"}}`
	replica := `{"read_only":true,"replication_status":{"position":"MariaDB/0-1-7","io_state":3,"sql_state":3,"source_host":"h","source_port":3306}}`
	tablets := `[{"alias":{"cell":"zone1","uid":101},"type":1,"mysql_hostname":"h","mysql_port":3306,"primary_term_start_time":{"seconds":9223372036,"nanoseconds":5}}]`
	for _, seed := range [][2]string{
		{"### status zone1-0000000101\n" + primary + "\n### exit 0\n### tablets\n" + tablets + "\n### exit 0\n", "### status zone1-0000000101\n### tablets\n"},
		{"### status zone1-0000000102\n" + replica + "\n### exit 0\n", ""},
		{"### status zone1-0000000103\n\n### exit 1\n### tablets\nnot json\n### exit 0\n", "### status zone1-0000000103\nrpc error: code = Unavailable\n"},
		{"### status x\n{\"read_only\":true,\"primary_status\":{\"position\":\"" + strings.Repeat("z", 600) + "\"}}\n### exit 0\n", ""},
		{"### exit 0\n###\n### \n", "### \n"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, stdout, stderr string) {
		sections := splitSections(stdout, stderr)
		records, _ := readRecords(sections["tablets"])
		for name, s := range sections {
			o, _ := observation(s, records[strings.TrimPrefix(name, "status ")])
			switch o.State {
			case StatePrimary, StateSecondary, StateStopped:
				if s.exit != "0" {
					t.Fatalf("section %q exited %q but reads as %s", name, s.exit, o.State)
				}
			case StateFailed:
			default:
				t.Fatalf("section %q reads as %q, not a state the probe gives", name, o.State)
			}
			if o.State == StatePrimary && strings.Contains(strings.ReplaceAll(s.stdout, " ", ""), `"read_only":true`) &&
				!strings.Contains(s.stdout, `"read_only":false`) {
				t.Fatalf("section %q says read_only true but reads as primary", name)
			}
			if len(o.Detail) > redact.Limit+100 {
				t.Fatalf("detail of %d bytes is not bounded: %.80q…", len(o.Detail), o.Detail)
			}
		}
	})
}

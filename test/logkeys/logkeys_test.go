package logkeys

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keys are the field keys a log line may carry, the list of
// doc/design/operator.md, "Logging". A new key belongs there first: one
// name for one thing is what lets a user filter every line about it.
var keys = map[string]bool{
	"object": true, "kind": true, "namespace": true, "cluster": true, "cell": true, "keyspace": true, "shard": true,
	"action": true, "members": true, "claim": true, "size": true, "retry": true,
	"identity": true, "leader": true, "grace": true, "addr": true, "uptime": true, "component": true, "logger": true,
}

// formatted are logrus's printf-style methods: a value belongs in a field,
// where it can be filtered on, not in the message.
var formatted = map[string]bool{"Tracef": true, "Debugf": true, "Infof": true, "Printf": true, "Warnf": true,
	"Warningf": true, "Errorf": true, "Fatalf": true, "Panicf": true}

// finding is one log call that breaks the convention, where it is.
type finding struct{ pos, what string }

// scan reads one file's log calls: the keys of every WithField and
// logrus.Fields literal, keys that are not literals, and formatted calls
// on a logger.
func scan(fset *token.FileSet, file *ast.File) (used map[string][]string, bad []finding) {
	used = map[string][]string{}
	at := func(n ast.Node) string { return fset.Position(n.Pos()).String() }
	literal := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Fields" && isIdent(sel.X, "logrus") {
				for _, elt := range n.Elts {
					kv := elt.(*ast.KeyValueExpr)
					if k, ok := literal(kv.Key); ok {
						used[k] = append(used[k], at(kv))
					} else {
						bad = append(bad, finding{at(kv), "a logrus.Fields key that is not a string literal"})
					}
				}
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch {
			case sel.Sel.Name == "WithField" && len(n.Args) == 2:
				if k, ok := literal(n.Args[0]); ok {
					used[k] = append(used[k], at(n))
				} else {
					bad = append(bad, finding{at(n), "a WithField key that is not a string literal"})
				}
			case formatted[sel.Sel.Name] && isLogger(sel.X):
				bad = append(bad, finding{at(n), sel.Sel.Name + ": values go into fields, not into the message"})
			}
		}
		return true
	})
	return used, bad
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// isLogger tells a logrus receiver by how the code names one: log, Log or
// logger, or an entry made by WithField, WithFields or WithError.
func isLogger(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "log" || e.Name == "logger" || e.Name == "logrus"
	case *ast.SelectorExpr:
		return e.Sel.Name == "log" || e.Sel.Name == "Log" || e.Sel.Name == "logger"
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			return strings.HasPrefix(sel.Sel.Name, "With")
		}
	}
	return false
}

// TestScanFindsWhatBreaksTheConvention shows the scan on a file that breaks
// each rule once.
func TestScanFindsWhatBreaksTheConvention(t *testing.T) {
	src := `package x
func f(k string) {
	log.WithFields(logrus.Fields{"object": o, k: v}).Info("ok")
	p.log.WithField("set", s).Infof("growing %s", s)
	log.WithField(k, v).Info("x")
	fmt.Errorf("not a log line: %w", err)
}`
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "x.go", src, 0)
	require.NoError(t, err)
	used, bad := scan(fset, file)
	assert.Equal(t, []string{"object", "set"}, sortedKeys(used))
	var what []string
	for _, b := range bad {
		what = append(what, b.what)
	}
	assert.Equal(t, []string{"a logrus.Fields key that is not a string literal", "Infof: values go into fields, not into the message",
		"a WithField key that is not a string literal"}, what)
}

func sortedKeys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestLogLinesUseTheDocumentedKeys holds the operator's code (cmd/, pkg/,
// generated code aside) to the convention: every field key is one of keys,
// every key is a literal, and no log call formats values into its message.
func TestLogLinesUseTheDocumentedKeys(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, dir := range []string{"cmd", "pkg"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "generated" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			file, err := parser.ParseFile(fset, path, src, 0)
			if err != nil {
				return err
			}
			used, bad := scan(fset, file)
			for _, b := range bad {
				t.Errorf("%s: %s", b.pos, b.what)
			}
			for k, where := range used {
				seen[k] = true
				if !keys[k] {
					t.Errorf("log key %q (%s) is not one of doc/design/operator.md's keys: use the documented key for the "+
						"same thing, or add the new one there and to this test", k, strings.Join(where, ", "))
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.True(t, seen["object"], "the scan found the worker's lines")
}

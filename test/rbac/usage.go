// Package rbac derives, from the operator's source, every API call it can
// make, so that a test can hold deploy/operator/role.yaml to exactly that.
package rbac

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Permission is one (API group, resource, verb) a Role rule grants; the
// resource may name a subresource, as pods/exec.
type Permission struct {
	Group, Resource, Verb string
}

// String renders the permission as group/resource:verb, "core" for the
// core group.
func (p Permission) String() string {
	g := p.Group
	if g == "" {
		g = "core"
	}
	return g + "/" + p.Resource + ":" + p.Verb
}

// listed is one package of `go list -json`.
type listed struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Export     string
	Standard   bool
}

// loaded is one of the operator's packages, parsed and type-checked.
type loaded struct {
	path  string
	files []*ast.File
	info  *types.Info
}

// load type-checks the operator's own packages under patterns (run from
// root) from source, and everything they import from the compiler's export
// data, which `go list -export` builds. Only the standard library is used,
// so the test needs no dependency of its own.
func load(root, module string, skip func(string) bool, patterns ...string) ([]loaded, *token.FileSet, error) {
	args := append([]string{"list", "-export", "-deps", "-json=ImportPath,Dir,GoFiles,Export,Standard"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	exports := map[string]string{}
	var own []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("decoding go list: %w", err)
		}
		exports[p.ImportPath] = p.Export
		if strings.HasPrefix(p.ImportPath, module) && !skip(p.ImportPath) {
			own = append(own, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	var pkgs []loaded
	for _, p := range own {
		l, err := check(fset, imp, p)
		if err != nil {
			return nil, nil, err
		}
		pkgs = append(pkgs, l)
	}
	return pkgs, fset, nil
}

// check parses and type-checks one package.
func check(fset *token.FileSet, imp types.Importer, p listed) (loaded, error) {
	l := loaded{path: p.ImportPath, info: &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{},
		Instances: map[*ast.Ident]types.Instance{}, Defs: map[*ast.Ident]types.Object{},
	}}
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
		if err != nil {
			return l, fmt.Errorf("parsing %s: %w", name, err)
		}
		l.files = append(l.files, f)
	}
	conf := types.Config{Importer: imp}
	if _, err := conf.Check(p.ImportPath, fset, l.files, l.info); err != nil {
		return l, fmt.Errorf("type-checking %s: %w", p.ImportPath, err)
	}
	return l, nil
}

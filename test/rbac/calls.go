package rbac

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// typedClient matches the package of a generated typed client or informer
// (client-go's and the operator's own), capturing its short group name.
var typedClient = regexp.MustCompile(`(?:k8s\.io/client-go/kubernetes/typed|/pkg/generated/clientset/versioned/typed)/(\w+)/\w+$`)
var typedInformer = regexp.MustCompile(`(?:k8s\.io/client-go/informers|/pkg/generated/informers/externalversions)/(\w+)/\w+$`)

// groupOf maps a generated package's short group name to its API group.
func groupOf(short string) (string, bool) {
	g, ok := map[string]string{
		"core": "", "apps": "apps", "policy": "policy", "networking": "networking.k8s.io", "autoscaling": "autoscaling",
		"coordination": "coordination.k8s.io", "rbac": "rbac.authorization.k8s.io",
		"vitess": "vitess.io", "clusterlabs": "clusterlabs.org",
	}[short]
	return g, ok
}

// verbOf maps a typed client's method to the verb RBAC checks for it and
// the subresource it goes to.
func verbOf(method string) (sub, verb string, ok bool) {
	switch method {
	case "Get", "List", "Watch", "Create", "Update", "Patch", "Delete", "DeleteCollection":
		return "", strings.ToLower(method), true
	case "UpdateStatus":
		return "status", "update", true
	case "Apply":
		return "", "patch", true
	case "ApplyStatus":
		return "status", "patch", true
	}
	return "", "", false
}

// plural is the resource name of a kind, as the generators name them.
func plural(kind string) string {
	k := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(k, "y"):
		return strings.TrimSuffix(k, "y") + "ies"
	case strings.HasSuffix(k, "s"):
		return k + "es"
	}
	return k + "s"
}

// Library is an API use the operator makes through a client-go library or
// a raw request, which no typed method call shows: found by the type or
// call that marks it, with the permissions it needs and why.
type Library struct {
	// Pkg and Name are a type whose use marks it; or, when Name is empty, Pkg
	// is a string literal passed to SubResource.
	Pkg, Name string
	Needs     []Permission
	Why       string
}

// usage collects what the walk finds.
type usage struct {
	fset    *token.FileSet
	libs    []Library
	used    map[Permission][]string // where each permission is used
	pending map[string][]pendingCall
	edges   map[string][]typeArg
	errs    []string
}

// pendingCall is a client method called on a value whose type is a type
// parameter; the instantiations of its function say which client it is.
type pendingCall struct {
	method string
	at     string
}

// Used returns every permission the operator's packages use, with where,
// and the problems the analysis met (a call it could not resolve).
func Used(pkgs []loaded, fset *token.FileSet, libs []Library) (map[Permission][]string, []string) {
	u := &usage{fset: fset, libs: libs, used: map[Permission][]string{}, pending: map[string][]pendingCall{},
		edges: map[string][]typeArg{}}
	for _, p := range pkgs {
		for _, f := range p.files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					u.walk(p, funcKey(p.path, fd), fd.Body)
				}
			}
		}
	}
	u.resolvePending()
	sort.Strings(u.errs)
	return u.used, u.errs
}

// funcKey names a function by package and name, the same from source and
// from export data, so a type parameter is known by funcKey#index.
func funcKey(pkg string, fd *ast.FuncDecl) string {
	if fd.Recv != nil {
		return "" // a method's type parameters are its type's; none holds a client
	}
	return pkg + "." + fd.Name.Name
}

// walk records the client calls, instantiations and library uses in body.
func (u *usage) walk(p loaded, fn string, body ast.Node) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			u.instance(p, fn, n)
			u.library(p, n)
		case *ast.CallExpr:
			u.call(p, fn, n)
		}
		return true
	})
}

// call records a method call on a typed client or informer.
func (u *usage) call(p loaded, fn string, c *ast.CallExpr) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	at := u.fset.Position(c.Pos()).String()
	if sel.Sel.Name == "SubResource" && len(c.Args) == 1 {
		if lit, ok := c.Args[0].(*ast.BasicLit); ok {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				u.markLibrary(s, "", at)
			}
		}
	}
	tv, ok := p.info.Types[sel.X]
	if !ok {
		return
	}
	t := tv.Type
	if ptr, ok := t.(*types.Pointer); ok {
		t = ptr.Elem()
	}
	if tp, ok := t.(*types.TypeParam); ok {
		if _, _, isVerb := verbOf(sel.Sel.Name); isVerb && fn != "" {
			key := fmt.Sprintf("%s#%d", fn, tp.Index())
			u.pending[key] = append(u.pending[key], pendingCall{method: sel.Sel.Name, at: at})
		}
		return
	}
	u.concrete(t, sel.Sel.Name, at)
}

// concrete records a call of method on a value of type t, if t is a typed
// client or informer.
func (u *usage) concrete(t types.Type, method, at string) {
	named, ok := t.(*types.Named)
	if !ok || named.Obj().Pkg() == nil {
		return
	}
	pkg, name := named.Obj().Pkg().Path(), named.Obj().Name()
	if m := typedClient.FindStringSubmatch(pkg); m != nil && strings.HasSuffix(name, "Interface") {
		sub, verb, ok := verbOf(method)
		if !ok {
			return
		}
		u.add(m[1], strings.TrimSuffix(name, "Interface"), sub, verb, at)
		return
	}
	if m := typedInformer.FindStringSubmatch(pkg); m != nil && strings.HasSuffix(name, "Informer") &&
		(method == "Informer" || method == "Lister") {
		kind := strings.TrimSuffix(name, "Informer")
		u.add(m[1], kind, "", "list", at)
		u.add(m[1], kind, "", "watch", at)
	}
}

// add records one permission found at at.
func (u *usage) add(short, kind, sub, verb, at string) {
	group, ok := groupOf(short)
	if !ok {
		u.errs = append(u.errs, fmt.Sprintf("%s: unknown API group %q: add it to groupOf", at, short))
		return
	}
	res := plural(kind)
	if sub != "" {
		res += "/" + sub
	}
	p := Permission{Group: group, Resource: res, Verb: verb}
	u.used[p] = append(u.used[p], at)
}

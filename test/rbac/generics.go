package rbac

import (
	"fmt"
	"go/ast"
	"go/types"
)

// instance records the type arguments of an instantiation of a generic
// function: a client type, or a type parameter of the function the
// instantiation is in (fn), which its own instantiations resolve.
func (u *usage) instance(p loaded, fn string, id *ast.Ident) {
	inst, ok := p.info.Instances[id]
	if !ok {
		return
	}
	obj, ok := p.info.Uses[id].(*types.Func)
	if !ok || obj.Pkg() == nil {
		return
	}
	if sig, ok := obj.Type().(*types.Signature); ok && sig.Recv() != nil {
		return // a method of a generic type: see funcKey
	}
	callee := obj.Pkg().Path() + "." + obj.Name()
	for i := 0; i < inst.TypeArgs.Len(); i++ {
		key := fmt.Sprintf("%s#%d", callee, i)
		arg := inst.TypeArgs.At(i)
		if tp, ok := arg.(*types.TypeParam); ok {
			if fn != "" {
				u.edges[key] = append(u.edges[key], typeArg{param: fmt.Sprintf("%s#%d", fn, tp.Index())})
			}
			continue
		}
		u.edges[key] = append(u.edges[key], typeArg{t: arg})
	}
}

// typeArg is one type argument of an instantiation: a type, or (param) a
// type parameter of the function the instantiation is in.
type typeArg struct {
	t     types.Type
	param string
}

// resolvePending resolves every call on a type parameter to the client
// types the parameter is instantiated with, through chains of generic
// functions; a call that resolves to nothing is reported, since the
// analysis then cannot say what it needs.
func (u *usage) resolvePending() {
	for key, calls := range u.pending {
		resolved := u.resolve(key, map[string]bool{})
		for _, c := range calls {
			for _, t := range resolved {
				u.concrete(t, c.method, c.at)
			}
			if len(resolved) == 0 {
				u.errs = append(u.errs, fmt.Sprintf("%s: %s on a type parameter that is never instantiated", c.at, c.method))
			}
		}
	}
}

// resolve returns the types the type parameter key stands for.
func (u *usage) resolve(key string, seen map[string]bool) []types.Type {
	if seen[key] {
		return nil
	}
	seen[key] = true
	var out []types.Type
	for _, a := range u.edges[key] {
		if a.param != "" {
			out = append(out, u.resolve(a.param, seen)...)
			continue
		}
		t := a.t
		if ptr, ok := t.(*types.Pointer); ok {
			t = ptr.Elem()
		}
		out = append(out, t)
	}
	return out
}

// library records a use of a type that marks a Library.
func (u *usage) library(p loaded, id *ast.Ident) {
	tn, ok := p.info.Uses[id].(*types.TypeName)
	if !ok || tn.Pkg() == nil {
		return
	}
	u.markLibrary(tn.Pkg().Path(), tn.Name(), u.fset.Position(id.Pos()).String())
}

// markLibrary adds the permissions of the library that pkg and name mark.
func (u *usage) markLibrary(pkg, name, at string) {
	for _, l := range u.libs {
		if l.Pkg == pkg && l.Name == name {
			for _, p := range l.Needs {
				u.used[p] = append(u.used[p], at+" ("+l.Why+")")
			}
		}
	}
}

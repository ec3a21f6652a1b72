package e2e

import (
	"fmt"
	"strconv"
	"strings"
)

// setPath sets the value at a path such as spec.keyspaces[0].cells in an
// unstructured object, creating maps on the way.
func setPath(obj map[string]any, path string, value any) {
	parent, last := walk(obj, path, true)
	assign(parent, last, value)
}

// deletePath removes the value at path.
func deletePath(obj map[string]any, path string) {
	parent, last := walk(obj, path, false)
	if m, ok := parent.(map[string]any); ok {
		delete(m, last)
	}
}

// getPath returns the value at path.
func getPath(obj map[string]any, path string) any {
	parent, last := walk(obj, path, false)
	switch p := parent.(type) {
	case map[string]any:
		return p[last]
	case []any:
		i, _ := strconv.Atoi(last)
		return p[i]
	}
	return nil
}

// walk follows path to the container of its last element.
func walk(obj map[string]any, path string, create bool) (any, string) {
	steps := splitPath(path)
	var cur any = obj
	for _, s := range steps[:len(steps)-1] {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[s]
			if !ok && create {
				next = map[string]any{}
				c[s] = next
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i >= len(c) {
				panic(fmt.Sprintf("bad index %q in %s", s, path))
			}
			cur = c[i]
		default:
			panic(fmt.Sprintf("cannot follow %s at %q", path, s))
		}
	}
	return cur, steps[len(steps)-1]
}

func assign(parent any, key string, value any) {
	switch p := parent.(type) {
	case map[string]any:
		p[key] = value
	case []any:
		i, _ := strconv.Atoi(key)
		p[i] = value
	}
}

// splitPath turns a.b[0].c into [a b 0 c].
func splitPath(path string) []string {
	path = strings.ReplaceAll(path, "[", ".")
	path = strings.ReplaceAll(path, "]", "")
	return strings.Split(path, ".")
}

package vitess

import (
	"fmt"
	"sort"
)

// flagArgs renders flag maps as --name=value arguments, sorted so the pod
// template, and so its revision, is the same every time. Later maps win, so
// the user's flags override the operator's.
func flagArgs(maps ...map[string]string) []string {
	merged := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			merged[k] = v
		}
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, 0, len(keys))
	for _, k := range keys {
		args = append(args, fmt.Sprintf("--%s=%s", k, merged[k]))
	}
	return args
}

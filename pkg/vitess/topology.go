package vitess

import (
	"fmt"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// topologyImplementation is the topology implementation of the etcd the
// operator runs.
const topologyImplementation = "etcd2"

// Topology returns where a cluster's global topology lives and, for cell,
// where that cell's lives: the cell's own etcd or external lockserver, or
// else a directory of the global one.
func Topology(vc *v1alpha1.VitessCluster, cell string) (v1alpha1.TopologySpec, error) {
	var global *v1alpha1.CellSpec
	var own *v1alpha1.CellSpec
	for i := range vc.Spec.Cells {
		c := &vc.Spec.Cells[i]
		if c.Name == v1alpha1.GlobalCellName {
			global = c
		}
		if c.Name == cell {
			own = c
		}
	}
	if global == nil {
		return v1alpha1.TopologySpec{}, fmt.Errorf("spec.cells has no cell named %s", v1alpha1.GlobalCellName)
	}
	impl, gAddr, gRoot, ok := lockserverOf(vc, global, GlobalRoot(vc.Name))
	if !ok {
		return v1alpha1.TopologySpec{}, fmt.Errorf("spec.cells[%s] needs etcd or lockserver.external: it holds the global topology", v1alpha1.GlobalCellName)
	}
	t := v1alpha1.TopologySpec{Implementation: impl, GlobalServerAddress: gAddr, GlobalRoot: gRoot}
	if own == nil || cell == v1alpha1.GlobalCellName {
		return t, nil
	}
	if cImpl, addr, root, ok := lockserverOf(vc, own, CellRoot(vc.Name, cell)); ok {
		if cImpl != impl {
			return v1alpha1.TopologySpec{}, fmt.Errorf("spec.cells[%s]: topology implementation %s differs from the global %s", cell, cImpl, impl)
		}
		t.CellServerAddress, t.CellRoot = addr, root
	} else {
		t.CellServerAddress, t.CellRoot = gAddr, CellRoot(vc.Name, cell)
	}
	return t, nil
}

// lockserverOf returns the lockserver a cell asks for: the etcd the operator
// runs for it, at root, or the external one.
func lockserverOf(vc *v1alpha1.VitessCluster, c *v1alpha1.CellSpec, root string) (impl, addr, path string, ok bool) {
	switch {
	case c.Etcd != nil:
		return topologyImplementation, fmt.Sprintf("%s.%s.svc:%d", EtcdClientService(vc.Name, c.Name), vc.Namespace, EtcdPort), root, true
	case c.Lockserver != nil:
		ext := c.Lockserver.External
		impl := ext.Implementation
		if impl == "" {
			impl = topologyImplementation
		}
		return impl, ext.Address, ext.RootPath, true
	}
	return "", "", "", false
}

// topologyFlags are the flags every Vitess server needs to find the global topology.
func topologyFlags(t v1alpha1.TopologySpec) map[string]string {
	return map[string]string{
		"topo-implementation":        t.Implementation,
		"topo-global-server-address": t.GlobalServerAddress,
		"topo-global-root":           t.GlobalRoot,
	}
}

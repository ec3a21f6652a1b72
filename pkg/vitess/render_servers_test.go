package vitess

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// cellOwner is the owner reference the servers of a test cell get.
var cellOwner = metav1.OwnerReference{APIVersion: "vitess.io/v1alpha1", Kind: "VitessCell", Name: "shop-zone1", UID: "cell-uid"}

// zone1Cell is cell zone1 of the two-cells example, as Render makes it.
func zone1Cell(t *testing.T) *v1alpha1.VitessCell {
	t.Helper()
	_, ch := renderFile(t, twoCellsYAML)
	c := cellByName(t, ch, "zone1")
	c.Spec.Vtctld = &v1alpha1.ComponentSpec{Replicas: 1}
	return c
}

// TestVtgateFlags proves vtgate watches every cell that runs tablets (its
// own when none does) and authenticates MySQL clients with the users file of
// the named Secret, mounted read-only where the flag points, or not at all.
func TestVtgateFlags(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tabletCells []string
		auth        *v1alpha1.VtgateAuthentication
		wantWatch   string
		wantImpl    string
		wantFile    string
	}{
		{name: "no auth", tabletCells: []string{"zone1", "zone2"}, wantWatch: "zone1,zone2", wantImpl: "none"},
		{name: "no tablet cells", wantWatch: "zone1", wantImpl: "none"},
		{name: "static default key", tabletCells: []string{"zone2"}, auth: &v1alpha1.VtgateAuthentication{SecretName: "users"},
			wantWatch: "zone2", wantImpl: "static", wantFile: "/vt/secrets/vtgate/users.json"},
		{name: "static own key", tabletCells: []string{"zone1"}, auth: &v1alpha1.VtgateAuthentication{SecretName: "users", Key: "u.json"},
			wantWatch: "zone1", wantImpl: "static", wantFile: "/vt/secrets/vtgate/u.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := zone1Cell(t)
			c.Spec.TabletCells = tc.tabletCells
			c.Spec.Vtgate.Authentication = tc.auth
			d, svc := RenderVtgate(c, cellOwner)
			require.Len(t, d.Spec.Template.Spec.Containers, 1)
			ctr := d.Spec.Template.Spec.Containers[0]
			f := flagValues(t, ctr.Args)
			assert.Equal(t, tc.wantWatch, f["cells-to-watch"])
			assert.Equal(t, tc.wantImpl, f["mysql-auth-server-impl"])
			assert.Equal(t, "grpc-vtgateservice", f["service-map"])
			assert.Equal(t, "zone1", f["cell"])
			assert.Equal(t, c.Spec.Topology.GlobalServerAddress, f["topo-global-server-address"])
			assert.Equal(t, "/vt/bin/vtgate", ctr.Command[0])
			if tc.auth == nil {
				assert.NotContains(t, f, "mysql-auth-server-static-file")
				assert.Equal(t, []corev1.VolumeMount{tmpMount()}, ctr.VolumeMounts, "only /tmp")
				assert.Equal(t, []corev1.Volume{tmpVolume()}, d.Spec.Template.Spec.Volumes)
			} else {
				assert.Equal(t, tc.wantFile, f["mysql-auth-server-static-file"])
				require.Len(t, ctr.VolumeMounts, 2, "/tmp and the users file")
				m := ctr.VolumeMounts[1]
				assert.True(t, m.ReadOnly)
				assert.True(t, strings.HasPrefix(tc.wantFile, m.MountPath+"/"), "%s under %s", tc.wantFile, m.MountPath)
				require.Len(t, d.Spec.Template.Spec.Volumes, 2)
				v := d.Spec.Template.Spec.Volumes[1]
				assert.Equal(t, m.Name, v.Name)
				require.NotNil(t, v.Secret)
				assert.Equal(t, tc.auth.SecretName, v.Secret.SecretName)
			}
			assert.Equal(t, VtgateName("shop", "zone1"), svc.Name)
			assert.True(t, labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)))
			assert.Equal(t, []metav1.OwnerReference{cellOwner}, svc.OwnerReferences)
			assert.Equal(t, []metav1.OwnerReference{cellOwner}, d.OwnerReferences)
		})
	}
}

// TestVtctld proves vtctld serves vtctl and vtctld over gRPC, and that the
// cluster's vtctld Service selects the vtctld pods of every cell.
func TestVtctld(t *testing.T) {
	vc, ch := renderFile(t, twoCellsYAML)
	svc := RenderVtctldService(vc, cellOwner)
	assert.Equal(t, "shop-vtctld", svc.Name)
	assert.Equal(t, VtctldAddress("shop", testNS), fmt.Sprintf("%s.%s.svc:%d", svc.Name, svc.Namespace, GRPCPort))
	for _, c := range ch.Cells {
		if c.Spec.Vtctld == nil {
			continue
		}
		d := RenderVtctld(c, cellOwner)
		assert.Equal(t, VtctldName("shop", c.Spec.Name), d.Name)
		f := flagValues(t, d.Spec.Template.Spec.Containers[0].Args)
		assert.Equal(t, "grpc-vtctl,grpc-vtctld", f["service-map"])
		assert.Equal(t, "15999", f["grpc-port"])
		assert.Equal(t, c.Spec.Topology.GlobalRoot, f["topo-global-root"])
		assert.Equal(t, "etcd2", f["topo-implementation"])
		assert.True(t, labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)), c.Name)
	}
	vt, _ := RenderVtgate(cellByName(t, ch, "zone1"), cellOwner)
	assert.False(t, labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(vt.Spec.Template.Labels)), "not vtgate")
}

// TestServerUserFlagsOverride proves a component's flags replace the
// operator's flags of the same name, once, and add new ones.
func TestServerUserFlagsOverride(t *testing.T) {
	for _, tc := range []struct {
		name   string
		render func(c *v1alpha1.VitessCell) *appsv1.Deployment
		set    func(c *v1alpha1.VitessCell, flags map[string]string)
	}{
		{"vtctld", func(c *v1alpha1.VitessCell) *appsv1.Deployment { return RenderVtctld(c, cellOwner) },
			func(c *v1alpha1.VitessCell, f map[string]string) { c.Spec.Vtctld.Flags = f }},
		{"vtgate", func(c *v1alpha1.VitessCell) *appsv1.Deployment { d, _ := RenderVtgate(c, cellOwner); return d },
			func(c *v1alpha1.VitessCell, f map[string]string) { c.Spec.Vtgate.Flags = f }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := zone1Cell(t)
			tc.set(c, map[string]string{"service-map": "grpc-custom", "cell": "elsewhere", "extra": "1"})
			f := flagValues(t, tc.render(c).Spec.Template.Spec.Containers[0].Args)
			assert.Equal(t, "grpc-custom", f["service-map"])
			assert.Equal(t, "elsewhere", f["cell"])
			assert.Equal(t, "1", f["extra"])
			assert.Equal(t, "15000", f["port"], "operator flags stay")
		})
	}
}

// TestTemplateLabelsReachPods proves the labels of spec.template.metadata
// reach the pods of the cluster's tablets, vtctld, vtgate and etcd, as the
// API says they do.
func TestTemplateLabelsReachPods(t *testing.T) {
	vc, ch := renderFile(t, myVitessYAML)
	want := vc.Spec.Template.Metadata.Labels
	require.NotEmpty(t, want)
	podLabels := map[string]map[string]string{}
	for _, shards := range ch.Shards {
		for _, s := range shards {
			pods, err := TabletPods(s)
			require.NoError(t, err)
			for _, p := range pods {
				podLabels[p.Name] = p.Labels
			}
		}
	}
	for _, c := range ch.Cells {
		if c.Spec.Etcd != nil {
			podLabels["etcd "+c.Name] = RenderEtcd(c, cellOwner).StatefulSet.Spec.Template.Labels
		}
		if c.Spec.Vtctld != nil {
			podLabels["vtctld "+c.Name] = RenderVtctld(c, cellOwner).Spec.Template.Labels
		}
		if c.Spec.Vtgate != nil {
			d, _ := RenderVtgate(c, cellOwner)
			podLabels["vtgate "+c.Name] = d.Spec.Template.Labels
		}
	}
	for name, l := range podLabels {
		for k, v := range want {
			assert.Equal(t, v, l[k], "%s label %s", name, k)
		}
	}
}

// TestTemplateAnnotationsReachChildren proves the annotations of
// spec.template.metadata are copied onto every child object, as the API says.
func TestTemplateAnnotationsReachChildren(t *testing.T) {
	vc := loadCluster(t, myVitessYAML)
	vc.Spec.Template.Metadata.Annotations = map[string]string{"example.com/team": "db"}
	ch, err := Render(vc)
	require.NoError(t, err)
	var objs []metav1.Object
	for _, c := range ch.Cells {
		objs = append(objs, c)
	}
	for _, ks := range ch.Keyspaces {
		objs = append(objs, ks)
		for _, s := range ch.Shards[ks.Name] {
			objs = append(objs, s)
		}
	}
	for _, o := range objs {
		assert.Equal(t, "db", o.GetAnnotations()["example.com/team"], o.GetName())
	}
}

// TestVtgateServiceTypeAndAnnotations proves the cell's vtgate Service takes
// the type and annotations asked for, and none when none is asked.
func TestVtgateServiceTypeAndAnnotations(t *testing.T) {
	c := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: "vt-zone1", Namespace: "ns"}}
	c.Spec.Cluster, c.Spec.Name = "vt", "zone1"
	c.Spec.Vtgate = &v1alpha1.VtgateSpec{}
	_, svc := RenderVtgate(c, metav1.OwnerReference{})
	assert.Empty(t, svc.Spec.Type)
	assert.Nil(t, svc.Annotations)
	c.Spec.Vtgate.Service = &v1alpha1.VtgateService{Type: corev1.ServiceTypeLoadBalancer,
		Annotations: map[string]string{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}}
	_, svc = RenderVtgate(c, metav1.OwnerReference{})
	assert.Equal(t, corev1.ServiceTypeLoadBalancer, svc.Spec.Type)
	assert.Equal(t, "true", svc.Annotations["service.beta.kubernetes.io/aws-load-balancer-internal"])
}

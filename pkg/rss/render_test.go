package rss

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// testRSS is a set "db" of three members with one container serving one
// port and one claim template "data".
func testRSS() *v1alpha1.ReplicatedStatefulSet {
	return &v1alpha1.ReplicatedStatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns", UID: "rss-uid"},
		Spec: v1alpha1.ReplicatedStatefulSetSpec{
			Replicas: 3,
			Pod: v1alpha1.PodPolicy{
				Containers: []corev1.Container{{Name: "app", Image: "app:1",
					Ports: []corev1.ContainerPort{{Name: "sql", ContainerPort: 5432, Protocol: corev1.ProtocolTCP}}}},
				VolumeClaimTemplates: []v1alpha1.ClaimTemplate{{
					Metadata: v1alpha1.ClaimTemplateMeta{Name: "data", Labels: map[string]string{"tier": "db"},
						Annotations: map[string]string{"note": "kept"}},
					Spec: corev1.PersistentVolumeClaimSpec{
						AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
						Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
							corev1.ResourceStorage: resource.MustParse("1Gi")}},
					},
				}},
			},
		},
	}
}

// wantOwner is the controller reference every owned object of testRSS carries.
func wantOwner(t *testing.T, refs []metav1.OwnerReference) {
	t.Helper()
	require.Len(t, refs, 1)
	ref := refs[0]
	assert.Equal(t, "clusterlabs.org/v1alpha1", ref.APIVersion)
	assert.Equal(t, Kind, ref.Kind)
	assert.Equal(t, "db", ref.Name)
	assert.EqualValues(t, "rss-uid", ref.UID)
	require.NotNil(t, ref.Controller)
	assert.True(t, *ref.Controller)
}

func TestRenderPod(t *testing.T) {
	for _, tc := range []struct {
		name         string
		edit         func(*v1alpha1.ReplicatedStatefulSet)
		ordinal      int
		wantName     string
		wantVolumes  map[string]string // volume name -> claim name ("" for a non-claim volume)
		antiAffinity bool
	}{
		{name: "first member", ordinal: 0, wantName: "db-0",
			wantVolumes: map[string]string{"data": "data-db-0"}},
		{name: "claims follow the ordinal", ordinal: 2, wantName: "db-2",
			wantVolumes: map[string]string{"data": "data-db-2"}},
		{name: "extra volumes come before the claims", ordinal: 1, wantName: "db-1",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) {
				r.Spec.Pod.Volumes = []corev1.Volume{{Name: "conf", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
			},
			wantVolumes: map[string]string{"conf": "", "data": "data-db-1"}},
		{name: "no claim templates", ordinal: 0, wantName: "db-0",
			edit:        func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.VolumeClaimTemplates = nil },
			wantVolumes: map[string]string{}},
		{name: "anti-affinity", ordinal: 0, wantName: "db-0", antiAffinity: true,
			edit:        func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.AntiAffinity = true },
			wantVolumes: map[string]string{"data": "data-db-0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRSS()
			if tc.edit != nil {
				tc.edit(r)
			}
			pod := renderPod(r, tc.ordinal, "rev1")

			assert.Equal(t, tc.wantName, pod.Name)
			assert.Equal(t, "ns", pod.Namespace)
			assert.Equal(t, replication.MemberLabels(Kind, "db", tc.ordinal, "rev1"), pod.Labels)
			assert.Equal(t, replication.RoleStopped, pod.Labels[replication.LabelRole])
			wantOwner(t, pod.OwnerReferences)
			assert.Equal(t, tc.wantName, pod.Spec.Hostname)
			assert.Equal(t, "db", pod.Spec.Subdomain, "members are named under the headless Service")
			require.Len(t, pod.Spec.Containers, 1)
			assert.Equal(t, "app:1", pod.Spec.Containers[0].Image)

			got := map[string]string{}
			for _, v := range pod.Spec.Volumes {
				got[v.Name] = ""
				if v.PersistentVolumeClaim != nil {
					got[v.Name] = v.PersistentVolumeClaim.ClaimName
				}
			}
			assert.Equal(t, tc.wantVolumes, got)

			if !tc.antiAffinity {
				assert.Nil(t, pod.Spec.Affinity)
				return
			}
			require.NotNil(t, pod.Spec.Affinity)
			terms := pod.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
			require.Len(t, terms, 1)
			assert.Equal(t, corev1.LabelHostname, terms[0].TopologyKey)
			assert.Equal(t, replication.SetLabels(Kind, "db"), terms[0].LabelSelector.MatchLabels)
		})
	}
}

func TestRenderPodCopiesTheSpec(t *testing.T) {
	r := testRSS()
	pod := renderPod(r, 0, "rev")
	pod.Spec.Containers[0].Image = "changed"
	assert.Equal(t, "app:1", r.Spec.Pod.Containers[0].Image, "a rendered pod must not share containers with the spec")
}

func TestRenderClaims(t *testing.T) {
	for _, tc := range []struct {
		name      string
		policy    *common.PVCRetentionPolicy
		wantOwner bool
	}{
		{name: "no policy retains", policy: nil},
		{name: "retain", policy: &common.PVCRetentionPolicy{WhenDeleted: common.RetentionRetain, WhenScaled: common.RetentionRetain}},
		{name: "delete when scaled only", policy: &common.PVCRetentionPolicy{WhenScaled: common.RetentionDelete}},
		{name: "delete with the set", policy: &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete}, wantOwner: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRSS()
			r.Spec.PersistentVolumeClaimRetentionPolicy = tc.policy
			claims := renderClaims(r, 1)

			require.Len(t, claims, 1)
			c := claims[0]
			assert.Equal(t, "data-db-1", c.Name)
			assert.Equal(t, "ns", c.Namespace)
			want := replication.SetLabels(Kind, "db")
			want["tier"] = "db"
			assert.Equal(t, want, c.Labels, "set labels and the template's")
			assert.Equal(t, map[string]string{"note": "kept"}, c.Annotations)
			assert.Equal(t, resource.MustParse("1Gi"), c.Spec.Resources.Requests[corev1.ResourceStorage])
			if tc.wantOwner {
				wantOwner(t, c.OwnerReferences)
			} else {
				assert.Empty(t, c.OwnerReferences, "a retained claim outlives the set")
			}
		})
	}
}

func TestRenderClaimsOnePerTemplate(t *testing.T) {
	r := testRSS()
	r.Spec.Pod.VolumeClaimTemplates = append(r.Spec.Pod.VolumeClaimTemplates, v1alpha1.ClaimTemplate{
		Metadata: v1alpha1.ClaimTemplateMeta{Name: "logs"}})
	var names []string
	for _, c := range renderClaims(r, 0) {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"data-db-0", "logs-db-0"}, names)

	r.Spec.Pod.VolumeClaimTemplates = nil
	assert.Empty(t, renderClaims(r, 0))
}

func TestRenderServices(t *testing.T) {
	sql := corev1.ServicePort{Name: "sql", Port: 5432, Protocol: corev1.ProtocolTCP}
	for _, tc := range []struct {
		name          string
		edit          func(*v1alpha1.ReplicatedStatefulSet)
		wantHeadless  []corev1.ServicePort
		wantName      string
		wantPorts     []corev1.ServicePort
		wantClusterIP string
		wantAffinity  corev1.ServiceAffinity
	}{
		{name: "default: the containers' ports", wantName: "db-svc",
			wantHeadless: []corev1.ServicePort{sql}, wantPorts: []corev1.ServicePort{sql}},
		{name: "service policy: name, ports and affinity",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) {
				r.Spec.Service = &v1alpha1.ServicePolicy{Name: "db-rw", SessionAffinity: corev1.ServiceAffinityClientIP,
					Ports: []corev1.ServicePort{{Name: "client", Port: 6432}}}
			},
			wantName: "db-rw", wantHeadless: []corev1.ServicePort{sql},
			wantPorts: []corev1.ServicePort{{Name: "client", Port: 6432}}, wantAffinity: corev1.ServiceAffinityClientIP},
		{name: "service policy without ports falls back to the containers'",
			edit:     func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Service = &v1alpha1.ServicePolicy{} },
			wantName: "db-svc", wantHeadless: []corev1.ServicePort{sql}, wantPorts: []corev1.ServicePort{sql}},
		{name: "several ports get names",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) {
				r.Spec.Pod.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}, {Name: "admin", ContainerPort: 81}}
			},
			wantName:     "db-svc",
			wantHeadless: []corev1.ServicePort{{Name: "port-80", Port: 80}, {Name: "admin", Port: 81}},
			wantPorts:    []corev1.ServicePort{{Name: "port-80", Port: 80}, {Name: "admin", Port: 81}}},
		{name: "no port at all: the client Service is headless too",
			edit:     func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.Containers[0].Ports = nil },
			wantName: "db-svc", wantClusterIP: corev1.ClusterIPNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRSS()
			if tc.edit != nil {
				tc.edit(r)
			}
			svcs := renderServices(r)
			require.Len(t, svcs, 2)
			headless, client := svcs[0], svcs[1]
			setLabels := replication.SetLabels(Kind, "db")

			assert.Equal(t, "db", headless.Name)
			assert.Equal(t, "ns", headless.Namespace)
			assert.Equal(t, setLabels, headless.Labels)
			wantOwner(t, headless.OwnerReferences)
			assert.Equal(t, corev1.ClusterIPNone, headless.Spec.ClusterIP)
			assert.True(t, headless.Spec.PublishNotReadyAddresses, "members resolve before they are ready")
			assert.Equal(t, setLabels, headless.Spec.Selector)
			assert.Equal(t, tc.wantHeadless, headless.Spec.Ports)

			assert.Equal(t, tc.wantName, client.Name)
			assert.Equal(t, "ns", client.Namespace)
			assert.Equal(t, setLabels, client.Labels)
			wantOwner(t, client.OwnerReferences)
			wantSelector := replication.SetLabels(Kind, "db")
			wantSelector[replication.LabelRole] = replication.RolePrimary
			assert.Equal(t, wantSelector, client.Spec.Selector, "the client Service selects the primaries only")
			assert.Equal(t, tc.wantPorts, client.Spec.Ports)
			assert.Equal(t, tc.wantClusterIP, client.Spec.ClusterIP)
			assert.Equal(t, tc.wantAffinity, client.Spec.SessionAffinity)
			assert.False(t, client.Spec.PublishNotReadyAddresses)
		})
	}
}

func TestPodRevision(t *testing.T) {
	base, err := podRevision(testRSS())
	require.NoError(t, err)
	require.NotEmpty(t, base)

	yes := true
	for _, tc := range []struct {
		name    string
		edit    func(*v1alpha1.ReplicatedStatefulSet)
		changes bool
	}{
		{name: "nothing", edit: func(*v1alpha1.ReplicatedStatefulSet) {}},
		{name: "replicas", edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Replicas = 5 }},
		{name: "primaries", edit: func(r *v1alpha1.ReplicatedStatefulSet) { two := int32(2); r.Spec.Primaries = &two }},
		{name: "paused", edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Paused = true }},
		{name: "commands", edit: func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Pod.Commands.Status = v1alpha1.Command{Command: []string{"status"}}
		}},
		{name: "service", edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Service = &v1alpha1.ServicePolicy{Name: "x"} }},
		{name: "retention policy", edit: func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenScaled: common.RetentionDelete}
		}},
		{name: "claim size", edit: func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Pod.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
		}},
		{name: "object metadata", edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Labels = map[string]string{"a": "b"} }},
		{name: "image", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.Containers[0].Image = "app:2" }},
		{name: "env", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Pod.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}}
		}},
		{name: "anti-affinity", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.AntiAffinity = true }},
		{name: "node selector", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Pod.NodeSelector = map[string]string{"disk": "ssd"}
		}},
		{name: "tolerations", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Pod.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
		}},
		{name: "service account", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.ServiceAccountName = "sa" }},
		{name: "token mount", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.AutomountServiceAccountToken = &yes }},
		{name: "volumes", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Pod.Volumes = []corev1.Volume{{Name: "conf"}}
		}},
		{name: "claim template names", changes: true, edit: func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Pod.VolumeClaimTemplates[0].Metadata.Name = "pgdata"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRSS()
			tc.edit(r)
			got, err := podRevision(r)
			require.NoError(t, err)
			if tc.changes {
				assert.NotEqual(t, base, got, "a change to the pod template rolls the members")
			} else {
				assert.Equal(t, base, got, "a change outside the pod template must not roll the members")
			}
		})
	}
}

package k8s

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// serviceFixture is a fake clientset holding svcs and a lister that serves
// the same Services, as an informer would.
func serviceFixture(t *testing.T, svcs ...*corev1.Service) (*fake.Clientset, corelisters.ServiceLister) {
	t.Helper()
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	kube := fake.NewSimpleClientset()
	for _, s := range svcs {
		require.NoError(t, idx.Add(s))
		_, err := kube.CoreV1().Services(s.Namespace).Create(context.Background(), s, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	kube.ClearActions()
	return kube, corelisters.NewServiceLister(idx)
}

// wantService is the Service the tests ask for, controlled by owner "a".
func wantService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns", Labels: map[string]string{"app": "db"},
			OwnerReferences: []metav1.OwnerReference{ownerRefWithUID("a")}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "db", "role": "primary"},
			Ports: []corev1.ServicePort{{Name: "sql", Port: 5432}}},
	}
}

// storedService is want as the API server keeps it: a cluster IP, defaulted
// ports and node ports allocated.
func storedService() *corev1.Service {
	s := wantService()
	s.ResourceVersion = "3"
	s.Spec.Type = corev1.ServiceTypeNodePort
	s.Spec.ClusterIP = "10.0.0.1"
	s.Spec.SessionAffinity = corev1.ServiceAffinityNone
	s.Spec.Ports = []corev1.ServicePort{{Name: "sql", Port: 5432, Protocol: corev1.ProtocolTCP,
		TargetPort: intstr.FromInt32(5432), NodePort: 30001}}
	return s
}

func TestApplyServiceCreatesWhenMissing(t *testing.T) {
	kube, lister := serviceFixture(t)
	require.NoError(t, ApplyService(context.Background(), kube, lister, wantService()))
	require.Len(t, kube.Actions(), 1)
	assert.Equal(t, "create", kube.Actions()[0].GetVerb())
	got, err := kube.CoreV1().Services("ns").Get(context.Background(), "db", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, wantService().Spec, got.Spec)
}

func TestApplyServiceNoWriteWhenAsWanted(t *testing.T) {
	kube, lister := serviceFixture(t, storedService())
	require.NoError(t, ApplyService(context.Background(), kube, lister, wantService()))
	assert.Empty(t, kube.Actions(), "defaults and allocated node ports are not a difference")
}

func TestApplyServiceUpdates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*corev1.Service)
		check func(t *testing.T, got *corev1.Service)
	}{
		{name: "selector",
			edit: func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "db"} },
			check: func(t *testing.T, got *corev1.Service) {
				assert.Equal(t, map[string]string{"app": "db"}, got.Spec.Selector)
			}},
		{name: "labels",
			edit: func(s *corev1.Service) { s.Labels = map[string]string{"app": "db", "tier": "x"} },
			check: func(t *testing.T, got *corev1.Service) {
				assert.Equal(t, map[string]string{"app": "db", "tier": "x"}, got.Labels)
			}},
		{name: "a new port; the kept port keeps its node port",
			edit: func(s *corev1.Service) {
				s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "admin", Port: 8080})
			},
			check: func(t *testing.T, got *corev1.Service) {
				require.Len(t, got.Spec.Ports, 2)
				assert.EqualValues(t, 30001, got.Spec.Ports[0].NodePort)
				assert.Equal(t, corev1.ServicePort{Name: "admin", Port: 8080, Protocol: corev1.ProtocolTCP,
					TargetPort: intstr.FromInt32(8080)}, got.Spec.Ports[1])
			}},
		{name: "session affinity",
			edit: func(s *corev1.Service) { s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP },
			check: func(t *testing.T, got *corev1.Service) {
				assert.Equal(t, corev1.ServiceAffinityClientIP, got.Spec.SessionAffinity)
			}},
		{name: "publish not ready addresses",
			edit:  func(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true },
			check: func(t *testing.T, got *corev1.Service) { assert.True(t, got.Spec.PublishNotReadyAddresses) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kube, lister := serviceFixture(t, storedService())
			want := wantService()
			tc.edit(want)
			require.NoError(t, ApplyService(context.Background(), kube, lister, want))
			require.Len(t, kube.Actions(), 1)
			assert.Equal(t, "update", kube.Actions()[0].GetVerb())
			got, err := kube.CoreV1().Services("ns").Get(context.Background(), "db", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, "10.0.0.1", got.Spec.ClusterIP, "what the server allocated stays")
			assert.Equal(t, corev1.ServiceTypeNodePort, got.Spec.Type, "fields the operator does not own stay")
			tc.check(t, got)
		})
	}
}

func TestApplyServiceEmptyAffinityKeepsTheStoredOne(t *testing.T) {
	stored := storedService()
	stored.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
	kube, lister := serviceFixture(t, stored)
	require.NoError(t, ApplyService(context.Background(), kube, lister, wantService()))
	assert.Empty(t, kube.Actions())
}

func TestApplyServiceRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stored  func(*corev1.Service)
		want    func(*corev1.Service)
		wantErr string
	}{
		{name: "headless wanted, stored has a cluster IP",
			want:    func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone },
			wantErr: "Service db exists and is not headless; delete it to let the operator recreate it"},
		{name: "cluster IP wanted, stored is headless",
			stored:  func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone },
			wantErr: "Service db exists and is headless; delete it to let the operator recreate it"},
		{name: "controlled by another owner",
			stored:  func(s *corev1.Service) { s.OwnerReferences = []metav1.OwnerReference{ownerRefWithUID("b")} },
			want:    func(s *corev1.Service) { s.Spec.Selector = map[string]string{"x": "y"} },
			wantErr: "Service db exists and is not owned by Owner owner-a; rename or delete one of the two"},
		{name: "not controlled at all",
			stored:  func(s *corev1.Service) { s.OwnerReferences = nil },
			wantErr: "Service db exists and is not owned by Owner owner-a; rename or delete one of the two"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored, want := storedService(), wantService()
			if tc.stored != nil {
				tc.stored(stored)
			}
			if tc.want != nil {
				tc.want(want)
			}
			kube, lister := serviceFixture(t, stored)
			assert.EqualError(t, ApplyService(context.Background(), kube, lister, want), tc.wantErr)
			assert.Empty(t, kube.Actions())
		})
	}
}

func TestMergePorts(t *testing.T) {
	for _, tc := range []struct {
		name       string
		have, want []corev1.ServicePort
		out        []corev1.ServicePort
	}{
		{name: "defaults protocol and target port",
			want: []corev1.ServicePort{{Port: 80}},
			out:  []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(80)}}},
		{name: "keeps a named target port",
			want: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}},
			out:  []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}}},
		{name: "keeps an allocated node port of the same port and protocol",
			have: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP, NodePort: 30080}},
			want: []corev1.ServicePort{{Port: 80}},
			out:  []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(80), NodePort: 30080}}},
		{name: "not across protocols",
			have: []corev1.ServicePort{{Port: 53, Protocol: corev1.ProtocolUDP, NodePort: 30053}},
			want: []corev1.ServicePort{{Port: 53}},
			out:  []corev1.ServicePort{{Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)}}},
		{name: "a wanted node port wins",
			have: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP, NodePort: 30080}},
			want: []corev1.ServicePort{{Port: 80, NodePort: 30999}},
			out:  []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(80), NodePort: 30999}}},
		{name: "removed ports go",
			have: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}, {Port: 81, Protocol: corev1.ProtocolTCP}},
			want: []corev1.ServicePort{{Port: 81}},
			out:  []corev1.ServicePort{{Port: 81, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(81)}}},
		{name: "no ports", have: []corev1.ServicePort{{Port: 80}}, out: []corev1.ServicePort{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.out, mergePorts(tc.have, tc.want))
		})
	}
}

// TestApplyServiceTypeAndAnnotations proves a wanted type replaces the
// stored one (node ports go with a return to ClusterIP, which the API
// server requires), wanted annotations are added and others' are kept,
// and an unset type keeps the stored one.
func TestApplyServiceTypeAndAnnotations(t *testing.T) {
	stored := storedService()
	stored.Annotations = map[string]string{"cloud.example/lb-id": "abc"}
	kube, lister := serviceFixture(t, stored)
	want := wantService()
	want.Spec.Type = corev1.ServiceTypeClusterIP
	want.Annotations = map[string]string{"example.com/internal": "true"}
	require.NoError(t, ApplyService(context.Background(), kube, lister, want))
	got, err := kube.CoreV1().Services("ns").Get(context.Background(), "db", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, corev1.ServiceTypeClusterIP, got.Spec.Type)
	assert.Zero(t, got.Spec.Ports[0].NodePort)
	assert.Equal(t, map[string]string{"cloud.example/lb-id": "abc", "example.com/internal": "true"}, got.Annotations)

	kube, lister = serviceFixture(t, storedService())
	require.NoError(t, ApplyService(context.Background(), kube, lister, wantService()))
	assert.Empty(t, kube.Actions(), "no type asked: the stored NodePort stays, nothing is written")
}

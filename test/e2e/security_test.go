package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// TestExampleClusterIsLockedDown runs the example cluster with the operator
// as its ServiceAccount (as every e2e test does) and checks, on one cluster
// to spare the machine a second: vtgate asks for passwords from the
// generated Secret; every etcd has a NetworkPolicy admitting only the
// cluster's pods, which the operator puts back when it is deleted; and,
// once the cluster is Ready (every cell, shard and tablet made, their
// Events recorded), the Secret's password shows in no line of the
// operator's log and no Event of the namespace.
func TestExampleClusterIsLockedDown(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Minute)
	ns := cluster.NewNamespace(t)
	restrictPods(ctx, t, ns)
	op := cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	vc := readCluster(t, "example/my-vitess.yaml")
	_, err := cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, vc, metav1.CreateOptions{})
	require.NoError(t, err)
	vc = waitCluster(ctx, t, ns, vc.Name, "Ready", clusterReady)
	password := checkVtgateAuth(ctx, t, ns, vc)
	replPassword := checkMySQLCredentials(ctx, t, ns, vc)
	checkEtcdPolicies(ctx, t, ns, vc)
	assertNotLeaked(t, ns, op.LogPath, password)
	assertNotLeaked(t, ns, op.LogPath, replPassword)
}

// restrictPods has the API server's PodSecurity admission enforce the
// "restricted" standard in ns: a pod of the cluster that asked for more
// (root, a writable capability, no seccomp profile, privilege escalation)
// would be refused, and the cluster would never be Ready.
func restrictPods(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	_, err := framework.Update(ctx, cluster.Kube.CoreV1().Namespaces(), ns, func(n *corev1.Namespace) {
		n.Labels["pod-security.kubernetes.io/enforce"] = "restricted"
		n.Labels["pod-security.kubernetes.io/enforce-version"] = "latest"
	})
	require.NoError(t, err)
}

// checkMySQLCredentials checks the generated MySQL credentials Secret and
// that every tablet mounts it and runs with its files, and returns the
// replication password.
func checkMySQLCredentials(ctx context.Context, t *testing.T, ns string, vc *v1alpha1.VitessCluster) string {
	t.Helper()
	secret, err := cluster.Kube.CoreV1().Secrets(ns).Get(ctx, vitess.MySQLCredentialsSecretName(vc.Name), metav1.GetOptions{})
	require.NoError(t, err, "the generated MySQL credentials Secret")
	var creds map[string][]string
	require.NoError(t, json.Unmarshal(secret.Data[vitess.MySQLCredentialsKey], &creds))
	require.Len(t, creds[vitess.ReplicationUser], 1)
	password := creds[vitess.ReplicationUser][0]
	require.GreaterOrEqual(t, len(password), 32)
	assert.Equal(t, vitess.RenderInitSQL(password), string(secret.Data[vitess.MySQLInitSQLKey]))
	require.Len(t, secret.OwnerReferences, 1)
	assert.Equal(t, vc.UID, secret.OwnerReferences[0].UID, "the Secret goes with its cluster")

	pods, err := cluster.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: vitess.LabelCluster + "=" + vc.Name})
	require.NoError(t, err)
	tablets := 0
	for _, p := range pods.Items {
		var mounted bool
		for _, v := range p.Spec.Volumes {
			mounted = mounted || (v.Secret != nil && v.Secret.SecretName == secret.Name)
		}
		if len(p.Spec.Containers) != 2 {
			assert.False(t, mounted, "%s is no tablet and does not mount the MySQL credentials", p.Name)
			continue
		}
		tablets++
		assert.True(t, mounted, "tablet %s mounts the MySQL credentials", p.Name)
		for _, c := range p.Spec.Containers {
			assert.Contains(t, c.Args, "--db-credentials-file=/vt/secrets/mysql/db_credentials.json", "%s/%s", p.Name, c.Name)
		}
	}
	assert.Positive(t, tablets)
	return password
}

// checkVtgateAuth checks the generated Secret and that every vtgate mounts
// it, and returns its password.
func checkVtgateAuth(ctx context.Context, t *testing.T, ns string, vc *v1alpha1.VitessCluster) string {
	t.Helper()
	secret, err := cluster.Kube.CoreV1().Secrets(ns).Get(ctx, vitess.VtgateAuthSecretName(vc.Name), metav1.GetOptions{})
	require.NoError(t, err, "the generated vtgate Secret")
	password := string(secret.Data[vitess.VtgateAuthPasswordKey])
	require.GreaterOrEqual(t, len(password), 32)
	assert.Contains(t, string(secret.Data[vitess.VtgateAuthUsersKey]), password, "the users file holds the password")
	require.Len(t, secret.OwnerReferences, 1)
	assert.Equal(t, vc.UID, secret.OwnerReferences[0].UID, "the Secret goes with its cluster")

	for _, c := range vc.Spec.Cells {
		if c.Vtgate == nil {
			continue
		}
		d, err := cluster.Kube.AppsV1().Deployments(ns).Get(ctx, vitess.VtgateName(vc.Name, c.Name), metav1.GetOptions{})
		require.NoError(t, err)
		pod := d.Spec.Template.Spec
		var mounted []string
		for _, v := range pod.Volumes {
			if v.Secret != nil {
				mounted = append(mounted, v.Secret.SecretName)
			}
		}
		assert.Equal(t, []string{secret.Name}, mounted, "vtgate mounts the generated Secret, and no other")
		assert.Contains(t, pod.Containers[0].Args, "--mysql-auth-server-impl=static")
	}
	return password
}

// assertNotLeaked checks that secret, as it is or base64-encoded, is in
// neither the log at logPath nor any Event of ns.
func assertNotLeaked(t *testing.T, ns, logPath, secret string) {
	t.Helper()
	forms := []string{secret, base64.StdEncoding.EncodeToString([]byte(secret))}
	data, err := os.ReadFile(logPath)
	require.NoError(t, err)
	require.NotEmpty(t, data)
	events, err := cluster.Kube.CoreV1().Events(ns).List(testContext(t, time.Minute), metav1.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, events.Items, "the run recorded Events")
	for _, f := range forms {
		assert.False(t, strings.Contains(string(data), f), "the operator's log holds the Secret's value")
		for _, e := range events.Items {
			assert.False(t, strings.Contains(e.Message, f) || strings.Contains(e.Reason, f),
				"Event %s holds the Secret's value", e.Name)
		}
	}
}

// checkEtcdPolicies checks the NetworkPolicy of every etcd of the cluster:
// it selects the etcd's pods and admits on the client port only pods of the
// cluster, on the peer port only the members; deleted, it comes back.
func checkEtcdPolicies(ctx context.Context, t *testing.T, ns string, vc *v1alpha1.VitessCluster) {
	t.Helper()
	for _, c := range vc.Spec.Cells {
		if c.Etcd == nil {
			continue
		}
		name := vitess.EtcdName(vc.Name, c.Name)
		np, err := cluster.Kube.NetworkingV1().NetworkPolicies(ns).Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err, "the NetworkPolicy of etcd %s", name)
		sts, err := cluster.Kube.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, sts.Spec.Selector.MatchLabels, np.Spec.PodSelector.MatchLabels)
		assert.Equal(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, np.Spec.PolicyTypes)
		require.Len(t, np.Spec.Ingress, 2)
		client, peer := np.Spec.Ingress[0], np.Spec.Ingress[1]
		assert.Equal(t, map[string]string{vitess.LabelCluster: vc.Name}, client.From[0].PodSelector.MatchLabels)
		assert.EqualValues(t, vitess.EtcdPort, client.Ports[0].Port.IntVal)
		assert.Equal(t, sts.Spec.Selector.MatchLabels, peer.From[0].PodSelector.MatchLabels)
		assert.EqualValues(t, vitess.EtcdPeer, peer.Ports[0].Port.IntVal)
		for _, rule := range np.Spec.Ingress {
			assert.Nil(t, rule.From[0].NamespaceSelector, "only pods of the namespace")
		}
		require.NotEmpty(t, np.OwnerReferences)
		assert.Equal(t, "VitessCell", np.OwnerReferences[0].Kind)

		// Drift is repaired: a deleted policy comes back.
		require.NoError(t, cluster.Kube.NetworkingV1().NetworkPolicies(ns).Delete(ctx, name, metav1.DeleteOptions{}))
		_, err = cluster.WaitFor(ctx, networkingv1.SchemeGroupVersion.WithResource("networkpolicies"), ns, name,
			func(obj *unstructured.Unstructured) (bool, error) { return obj != nil && obj.GetUID() != np.UID, nil })
		require.NoError(t, err, "the operator recreates a deleted NetworkPolicy")
	}
}

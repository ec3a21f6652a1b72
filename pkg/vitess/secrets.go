package vitess

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// generatedSecrets makes the Secrets the operator generates for a cluster:
// vtgate's users and the tablets' MySQL credentials. Secrets are not
// watched (that would keep every Secret of the namespace in the operator's
// memory), so it reads each one it needs once and remembers, per cluster,
// that it exists.
type generatedSecrets struct {
	kube kubernetes.Interface
	mu   sync.Mutex
	made map[generatedSecret]types.UID
}

// generatedSecret is one generated Secret of one cluster.
type generatedSecret struct {
	namespace, cluster, name string
}

func newGeneratedSecrets(kube kubernetes.Interface) *generatedSecrets {
	return &generatedSecrets{kube: kube, made: map[generatedSecret]types.UID{}}
}

// secretRenderer renders a generated Secret around a new random password.
type secretRenderer func(password string) (*corev1.Secret, error)

// ensure creates the cluster's Secret name with render unless it exists. One
// that exists, whoever made it, is kept as it is: the password a client or a
// database holds must not change under it.
func (g *generatedSecrets) ensure(ctx context.Context, vc *v1alpha1.VitessCluster, name string, render secretRenderer) error {
	key := generatedSecret{namespace: vc.Namespace, cluster: vc.Name, name: name}
	g.mu.Lock()
	done := g.made[key] == vc.UID
	g.mu.Unlock()
	if done {
		return nil
	}
	secrets := g.kube.CoreV1().Secrets(vc.Namespace)
	_, err := secrets.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		err = g.create(ctx, vc.Namespace, render)
	}
	if err != nil {
		return fmt.Errorf("generated secret %s: %w", name, err)
	}
	g.mu.Lock()
	g.made[key] = vc.UID
	g.mu.Unlock()
	return nil
}

// create makes the Secret with a new password; one made meanwhile wins.
func (g *generatedSecrets) create(ctx context.Context, namespace string, render secretRenderer) error {
	password, err := newPassword()
	if err != nil {
		return err
	}
	s, err := render(password)
	if err != nil {
		return err
	}
	if _, err := g.kube.CoreV1().Secrets(namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating: %w", err)
	}
	return nil
}

// forget drops what is remembered of a deleted cluster, so that a cluster
// made again under its name gets its Secrets again.
func (g *generatedSecrets) forget(namespace, cluster string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for k := range g.made {
		if k.namespace == namespace && k.cluster == cluster {
			delete(g.made, k)
		}
	}
}

// ensureVtgateAuth makes the cluster's generated vtgate Secret.
func (g *generatedSecrets) ensureVtgateAuth(ctx context.Context, vc *v1alpha1.VitessCluster, owner metav1.OwnerReference) error {
	return g.ensure(ctx, vc, VtgateAuthSecretName(vc.Name), func(password string) (*corev1.Secret, error) {
		return RenderVtgateAuthSecret(vc, owner, password)
	})
}

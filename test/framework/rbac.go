package framework

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// OperatorServiceAccount is the ServiceAccount deploy/operator runs the
// operator as.
const OperatorServiceAccount = "vitess-operator"

// envAsAdmin, when set, runs test operators with the admin credentials of
// the local cluster instead of as their ServiceAccount.
const envAsAdmin = "E2E_OPERATOR_AS_ADMIN"

// InstallOperatorRBAC creates in namespace the ServiceAccount, Role and
// RoleBinding of deploy/operator, as `kubectl apply -k deploy/operator`
// would there. Objects that exist already are kept.
func (c *Cluster) InstallOperatorRBAC(ctx context.Context, namespace string) error {
	// The manifests of deploy/operator that give the operator its rights.
	for _, name := range []string{"service_account.yaml", "role.yaml", "role_binding.yaml"} {
		objs, err := ReadManifests(filepath.Join(c.Root, "deploy", "operator", name))
		if err != nil {
			return fmt.Errorf("reading deploy/operator/%s: %w", name, err)
		}
		for _, obj := range objs {
			if err := inNamespace(obj, namespace); err != nil {
				return err
			}
			if _, err := c.Create(ctx, namespace, obj); err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("creating %s %s: %w", obj.GetKind(), obj.GetName(), err)
			}
		}
	}
	return nil
}

// inNamespace moves obj, and the subjects of a RoleBinding, to namespace.
func inNamespace(obj *unstructured.Unstructured, namespace string) error {
	obj.SetNamespace(namespace)
	if obj.GetKind() != "RoleBinding" {
		return nil
	}
	subjects, _, err := unstructured.NestedSlice(obj.Object, "subjects")
	if err != nil {
		return fmt.Errorf("RoleBinding %s: %w", obj.GetName(), err)
	}
	for _, s := range subjects {
		if m, ok := s.(map[string]any); ok {
			m["namespace"] = namespace
		}
	}
	return unstructured.SetNestedSlice(obj.Object, subjects, "subjects")
}

// ServiceAccountUser is the user name the API server gives a ServiceAccount.
func ServiceAccountUser(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// tokenLifetime is how long the tokens of test operators are valid: longer
// than any run.
const tokenLifetime = 48 * time.Hour

// ServiceAccountKubeconfig writes into dir a kubeconfig that logs in to the
// local cluster with a token of the operator's ServiceAccount in namespace
// (a TokenRequest) and returns its path. An operator started with it has
// exactly the rights of deploy/operator's Role and authenticates as it does
// in its pod: a bearer token over TLS, no client certificate.
func (c *Cluster) ServiceAccountKubeconfig(ctx context.Context, dir, namespace string) (string, error) {
	expiry := int64(tokenLifetime / time.Second)
	tok, err := c.Kube.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, OperatorServiceAccount,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("requesting a token of ServiceAccount %s/%s: %w", namespace, OperatorServiceAccount, err)
	}
	path := filepath.Join(dir, "kubeconfig-"+namespace)
	err = clientcmd.WriteToFile(clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{"local": {
			Server:                   c.Config.Host,
			CertificateAuthority:     c.Config.CAFile,
			CertificateAuthorityData: c.Config.CAData,
		}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"operator": {Token: tok.Status.Token}},
		Contexts:       map[string]*clientcmdapi.Context{"operator": {Cluster: "local", AuthInfo: "operator", Namespace: namespace}},
		CurrentContext: "operator",
	}, path)
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// OperatorCredentials returns the flag that makes a test's operator run as
// its ServiceAccount in namespace, after installing its RBAC there; none
// when E2E_OPERATOR_AS_ADMIN is set.
func (c *Cluster) OperatorCredentials(ctx context.Context, dir, namespace string) ([]string, error) {
	if os.Getenv(envAsAdmin) != "" {
		return nil, nil
	}
	if err := c.InstallOperatorRBAC(ctx, namespace); err != nil {
		return nil, err
	}
	path, err := c.ServiceAccountKubeconfig(ctx, dir, namespace)
	if err != nil {
		return nil, err
	}
	return []string{"--kubeconfig=" + path}, nil
}

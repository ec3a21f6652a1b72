package framework

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
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

// ImpersonatingKubeconfig writes into dir a copy of the local cluster's
// kubeconfig whose every user impersonates the operator's ServiceAccount in
// namespace (clientcmd's `as:`), and returns its path. An operator started
// with it has exactly the rights of deploy/operator's Role, as it would in
// its pod, with no change to the operator itself.
func (c *Cluster) ImpersonatingKubeconfig(dir, namespace string) (string, error) {
	cfg, err := clientcmd.LoadFromFile(c.Kubeconfig)
	if err != nil {
		return "", fmt.Errorf("loading %s: %w", c.Kubeconfig, err)
	}
	// The copy lives elsewhere: file references must not be relative.
	if err := clientcmd.ResolveLocalPaths(cfg); err != nil {
		return "", fmt.Errorf("resolving the paths of %s: %w", c.Kubeconfig, err)
	}
	for _, user := range cfg.AuthInfos {
		user.Impersonate = ServiceAccountUser(namespace, OperatorServiceAccount)
	}
	path := filepath.Join(dir, "kubeconfig-"+namespace)
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// operatorCredentials returns the flag that makes a test's operator run as
// its ServiceAccount in namespace, after installing its RBAC there; none
// when E2E_OPERATOR_AS_ADMIN is set.
func (c *Cluster) operatorCredentials(ctx context.Context, dir, namespace string) ([]string, error) {
	if os.Getenv(envAsAdmin) != "" {
		return nil, nil
	}
	if err := c.InstallOperatorRBAC(ctx, namespace); err != nil {
		return nil, err
	}
	path, err := c.ImpersonatingKubeconfig(dir, namespace)
	if err != nil {
		return nil, err
	}
	return []string{"--kubeconfig=" + path}, nil
}

package framework

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// CRDs reads the CustomResourceDefinitions in deploy/crds.
func (c *Cluster) CRDs() ([]*apiextv1.CustomResourceDefinition, error) {
	files, err := filepath.Glob(filepath.Join(c.Root, "deploy", "crds", "*.yaml"))
	if err != nil {
		return nil, err
	}
	var crds []*apiextv1.CustomResourceDefinition
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		crd := &apiextv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		crds = append(crds, crd)
	}
	return crds, nil
}

// InstallCRDs creates or updates the CRDs of deploy/crds and waits until the
// API server serves them.
func (c *Cluster) InstallCRDs(ctx context.Context) error {
	crds, err := c.CRDs()
	if err != nil {
		return err
	}
	client := c.APIExtensions.ApiextensionsV1().CustomResourceDefinitions()
	for _, crd := range crds {
		have, err := client.Get(ctx, crd.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = client.Create(ctx, crd, metav1.CreateOptions{})
		case err == nil:
			crd.ResourceVersion = have.ResourceVersion
			_, err = client.Update(ctx, crd, metav1.UpdateOptions{})
		}
		if err != nil {
			return fmt.Errorf("installing CRD %s: %w", crd.Name, err)
		}
	}
	gvr := apiextv1.SchemeGroupVersion.WithResource("customresourcedefinitions")
	for _, crd := range crds {
		_, err := WaitForTyped(ctx, c, gvr, "", crd.Name, func(have *apiextv1.CustomResourceDefinition) (bool, error) {
			if have == nil {
				return false, nil
			}
			for _, cond := range have.Status.Conditions {
				if cond.Type == apiextv1.Established && cond.Status == apiextv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("waiting for CRD %s to be established: %w", crd.Name, err)
		}
	}
	c.Mapper.Reset()
	return nil
}

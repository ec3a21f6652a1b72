package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
)

// ReadManifests reads the objects of a multi-document YAML file.
func ReadManifests(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return DecodeManifests(data)
}

// DecodeManifests decodes the objects of a multi-document YAML text.
func DecodeManifests(data []byte) ([]*unstructured.Unstructured, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		err := dec.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
}

// ReadObject reads the manifest at path (a file ReadManifests reads) and
// returns its one object of the Go type T, such as the VitessCluster of
// example/my-vitess.yaml. It fails if the file holds no object of T's group,
// version and kind, or more than one.
func ReadObject[T any, P Object[T]](path string) (P, error) {
	gvk, err := KindOf[T, P]()
	if err != nil {
		return nil, err
	}
	objs, err := ReadManifests(path)
	if err != nil {
		return nil, err
	}
	var found P
	for _, u := range objs {
		if u.GroupVersionKind() != gvk {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("%s: more than one %s", path, gvk.Kind)
		}
		found = P(new(T))
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, found); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%s: no %s", path, gvk)
	}
	return found, nil
}

// ResourceFor returns the client of obj's resource in namespace.
func (c *Cluster) ResourceFor(obj *unstructured.Unstructured, namespace string) (dynamic.ResourceInterface, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", gvk, err)
	}
	if mapping.Scope.Name() == meta.RESTScopeNameRoot {
		return c.Dynamic.Resource(mapping.Resource), nil
	}
	return c.Dynamic.Resource(mapping.Resource).Namespace(namespace), nil
}

// Create creates obj in namespace and returns what the API server stored.
func (c *Cluster) Create(ctx context.Context, namespace string, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	ri, err := c.ResourceFor(obj, namespace)
	if err != nil {
		return nil, err
	}
	return ri.Create(ctx, obj, metav1.CreateOptions{})
}

package k8s

import (
	"context"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// ApplyService creates want, or updates the fields of the existing Service
// that the operator owns when they differ. It reads through the lister and
// writes nothing when the Service is as wanted.
func ApplyService(ctx context.Context, kube kubernetes.Interface, lister corelisters.ServiceLister, want *corev1.Service) error {
	have, err := lister.Services(want.Namespace).Get(want.Name)
	if apierrors.IsNotFound(err) {
		if _, err := kube.CoreV1().Services(want.Namespace).Create(ctx, want, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating service %s: %w", want.Name, err)
		}
		return nil
	} else if err != nil {
		return err
	}
	// Whose it is comes first: a Service of someone else's is not to be
	// recreated, whatever its shape.
	if ref := metav1.GetControllerOf(want); ref != nil && !metav1.IsControlledBy(have, ownerOf(want)) {
		return notOwned("Service", want.Name, ref.Kind+" "+ref.Name)
	}
	if (have.Spec.ClusterIP == corev1.ClusterIPNone) != (want.Spec.ClusterIP == corev1.ClusterIPNone) {
		return &ConflictError{Kind: "Service", Name: want.Name, Problem: fmt.Sprintf("exists and is %sheadless; delete it to let the operator recreate it",
			map[bool]string{true: "", false: "not "}[have.Spec.ClusterIP == corev1.ClusterIPNone])}
	}
	upd := have.DeepCopy()
	upd.Labels = want.Labels
	upd.Spec.Selector = want.Spec.Selector
	upd.Spec.Ports = mergePorts(have.Spec.Ports, want.Spec.Ports)
	upd.Spec.PublishNotReadyAddresses = want.Spec.PublishNotReadyAddresses
	if want.Spec.SessionAffinity != "" {
		upd.Spec.SessionAffinity = want.Spec.SessionAffinity
	}
	if want.Spec.Type != "" && want.Spec.Type != have.Spec.Type {
		upd.Spec.Type = want.Spec.Type
		if want.Spec.Type == corev1.ServiceTypeClusterIP {
			// A ClusterIP Service has no node ports; the API server
			// refuses the update that keeps them.
			for i := range upd.Spec.Ports {
				upd.Spec.Ports[i].NodePort = 0
			}
		}
	}
	for k, v := range want.Annotations {
		if upd.Annotations == nil {
			upd.Annotations = map[string]string{}
		}
		upd.Annotations[k] = v
	}
	if reflect.DeepEqual(upd.Labels, have.Labels) && reflect.DeepEqual(upd.Annotations, have.Annotations) &&
		reflect.DeepEqual(upd.Spec, have.Spec) {
		return nil
	}
	if _, err := kube.CoreV1().Services(want.Namespace).Update(ctx, upd, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating service %s: %w", want.Name, err)
	}
	return nil
}

// mergePorts takes the wanted ports and keeps the node ports the API server
// allocated for ports that stay.
func mergePorts(have, want []corev1.ServicePort) []corev1.ServicePort {
	out := make([]corev1.ServicePort, len(want))
	for i, p := range want {
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort.IntVal == 0 && p.TargetPort.StrVal == "" {
			p.TargetPort.IntVal = p.Port
		}
		for _, h := range have {
			if h.Port == p.Port && h.Protocol == p.Protocol && p.NodePort == 0 {
				p.NodePort = h.NodePort
			}
		}
		out[i] = p
	}
	return out
}

// ownerOf returns a stand-in object for want's controller, for IsControlledBy.
func ownerOf(want *corev1.Service) metav1.Object {
	ref := metav1.GetControllerOf(want)
	if ref == nil {
		return &metav1.ObjectMeta{}
	}
	return &metav1.ObjectMeta{UID: ref.UID}
}

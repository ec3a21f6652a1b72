package k8s

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/redact"
)

// ReasonPassPanicked is the reason of the Degraded condition and the Event
// of an object whose pass panicked.
const ReasonPassPanicked = "PassPanicked"

// maxPanicMessage bounds the panic text kept in status and Events; the
// stack goes to the log only.
const maxPanicMessage = 512

// MarkPanicked records on obj that a pass of it panicked: phase Degraded
// and a Degraded condition whose message is the panic, written through w
// only when that changes status, with a Warning Event for each write. The
// rest of status stays as the last pass wrote it: the pods may well be fine,
// only the operator cannot tell.
func MarkPanicked[T StatusObject](ctx context.Context, obj T, w StatusWriter[T], status func(T) *common.ObjectStatus,
	rec record.EventRecorder, panicked string) error {
	msg := "a pass of this object panicked; the operator retries it with backoff: " + redact.New().Bound(panicked, maxPanicMessage)
	wrote, err := w.Write(ctx, obj, func(next T) {
		st := status(next)
		st.Phase = common.PhaseDegraded
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: common.ConditionDegraded, Status: metav1.ConditionTrue, Reason: ReasonPassPanicked,
			Message: msg, ObservedGeneration: st.ObservedGeneration,
		})
	})
	if err != nil {
		return fmt.Errorf("marking %s degraded after a panic: %w", obj.GetName(), err)
	}
	if wrote && rec != nil {
		rec.Event(obj, corev1.EventTypeWarning, ReasonPassPanicked, msg)
	}
	return nil
}

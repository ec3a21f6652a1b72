package redact

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
)

// EventLimit bounds an Event's message. The API server keeps up to 1 KiB of
// a message; cutting here says so instead of leaving it to chance.
const EventLimit = 1024

// recorder is an EventRecorder that sanitizes every message it passes on.
type recorder struct {
	next record.EventRecorder
	r    *Redactor
}

// Recorder returns an EventRecorder that records through next with every
// message masked, on one line and bounded to EventLimit: whatever an
// Event quotes (a hook's output, an error) reaches the API server safe.
func Recorder(next record.EventRecorder, r *Redactor) record.EventRecorder {
	return recorder{next: next, r: r}
}

// Event records a sanitized message.
func (s recorder) Event(obj runtime.Object, eventtype, reason, message string) {
	s.next.Event(obj, eventtype, reason, s.r.Bound(message, EventLimit))
}

// Eventf formats and records a sanitized message.
func (s recorder) Eventf(obj runtime.Object, eventtype, reason, messageFmt string, args ...any) {
	s.Event(obj, eventtype, reason, fmt.Sprintf(messageFmt, args...))
}

// AnnotatedEventf formats and records a sanitized message with annotations.
func (s recorder) AnnotatedEventf(obj runtime.Object, annotations map[string]string, eventtype, reason, messageFmt string,
	args ...any) {
	s.next.AnnotatedEventf(obj, annotations, eventtype, reason, "%s", s.r.Bound(fmt.Sprintf(messageFmt, args...), EventLimit))
}

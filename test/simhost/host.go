package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

var execGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "execs"}

// item is one unit of work: a claim, a pod or a node to bring in line.
type item struct {
	kind      string // "claim", "pod" or "node"
	namespace string
	name      string
}

// host gives claims volumes and pods a working exec, and marks the pods of
// lost nodes.
type host struct {
	root     string
	kube     kubernetes.Interface
	dyn      dynamic.Interface
	pods     corelisters.PodLister
	podIndex cache.Indexer
	claims   corelisters.PersistentVolumeClaimLister
	volumes  corelisters.PersistentVolumeLister
	nodes    corelisters.NodeLister
	leases   coordlisters.LeaseLister
	execs    cache.GenericLister
	queue    workqueue.TypedRateLimitingInterface[item]
	log      *logrus.Logger
	// hooks runs deleted pods' preStop hooks; nil runs none.
	hooks *preStops
	// simDir holds the simulators, first on the PATH of the hooks it runs.
	simDir string
}

func newHost(root string, kube kubernetes.Interface, dyn dynamic.Interface, log *logrus.Logger) (*host, informers.SharedInformerFactory, dynamicinformer.DynamicSharedInformerFactory) {
	kf := informers.NewSharedInformerFactory(kube, 10*time.Minute)
	df := dynamicinformer.NewDynamicSharedInformerFactory(dyn, 10*time.Minute)
	h := &host{
		root:     root,
		kube:     kube,
		dyn:      dyn,
		pods:     kf.Core().V1().Pods().Lister(),
		podIndex: kf.Core().V1().Pods().Informer().GetIndexer(),
		claims:   kf.Core().V1().PersistentVolumeClaims().Lister(),
		volumes:  kf.Core().V1().PersistentVolumes().Lister(),
		nodes:    kf.Core().V1().Nodes().Lister(),
		leases:   kf.Coordination().V1().Leases().Lister(),
		execs:    df.ForResource(execGVR).Lister(),
		queue:    workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[item]()),
		log:      log,
	}
	_ = kf.Core().V1().Pods().Informer().AddIndexers(cache.Indexers{nodeIndex: podNodeKey})
	on := func(kind string, key func(obj any) (string, string, bool)) cache.ResourceEventHandlerFuncs {
		add := func(obj any) {
			if ns, name, ok := key(obj); ok {
				h.queue.Add(item{kind, ns, name})
			}
		}
		return cache.ResourceEventHandlerFuncs{
			AddFunc:    add,
			UpdateFunc: func(_, obj any) { add(obj) },
			DeleteFunc: add,
		}
	}
	_, _ = kf.Core().V1().Pods().Informer().AddEventHandler(on("pod", objectKey))
	_, _ = kf.Core().V1().PersistentVolumeClaims().Informer().AddEventHandler(on("claim", objectKey))
	_, _ = kf.Core().V1().PersistentVolumes().Informer().AddEventHandler(on("claim", volumeClaimKey))
	_, _ = df.ForResource(execGVR).Informer().AddEventHandler(on("pod", objectKey))
	nodes := on("node", objectKey)
	nodes.UpdateFunc = func(oldObj, newObj any) {
		if nodeChanged(oldObj, newObj) {
			nodes.AddFunc(newObj)
		}
	}
	_, _ = kf.Core().V1().Nodes().Informer().AddEventHandler(nodes)
	_, _ = kf.Coordination().V1().Leases().Informer().AddEventHandler(on("node", leaseNodeKey))
	return h, kf, df
}

func objectKey(obj any) (string, string, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, err := metaOf(obj)
	if err != nil {
		return "", "", false
	}
	return m.GetNamespace(), m.GetName(), true
}

// volumeClaimKey maps a volume this host made to its claim, so a volume whose
// claim went away while the host was down is cleaned up.
func volumeClaimKey(obj any) (string, string, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pv, ok := obj.(*corev1.PersistentVolume)
	if !ok || pv.Labels[managedLabel] != "true" || pv.Spec.ClaimRef == nil {
		return "", "", false
	}
	return pv.Spec.ClaimRef.Namespace, pv.Spec.ClaimRef.Name, true
}

func metaOf(obj any) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("unexpected object %T", obj)
	}
	return m, nil
}

// run processes the queue with the given number of workers until ctx ends.
func (h *host) run(ctx context.Context, workers int) {
	defer h.queue.ShutDown()
	for i := 0; i < workers; i++ {
		go func() {
			for h.next(ctx) {
			}
		}()
	}
	<-ctx.Done()
}

func (h *host) next(ctx context.Context) bool {
	it, quit := h.queue.Get()
	if quit {
		return false
	}
	defer h.queue.Done(it)
	var err error
	switch it.kind {
	case "claim":
		err = h.syncClaim(ctx, it.namespace, it.name)
	case "pod":
		err = h.syncPod(ctx, it.namespace, it.name)
	case "node":
		err = h.syncNode(ctx, it.name)
	}
	if err != nil {
		h.log.WithError(err).WithField("item", it).Warn("sync failed; retrying")
		h.queue.AddRateLimited(it)
		return true
	}
	h.queue.Forget(it)
	return true
}

// syncClaim gives a pending claim a pre-bound volume, and removes the volume
// and data of a claim that is gone.
func (h *host) syncClaim(ctx context.Context, ns, name string) error {
	pvc, err := h.claims.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		pvc = nil
	} else if err != nil {
		return err
	}
	if err := h.removeOrphanVolumes(ctx, ns, name, pvc); err != nil {
		return err
	}
	if pvc == nil || pvc.DeletionTimestamp != nil {
		return nil
	}
	if pvc.Spec.VolumeName != "" {
		return h.expand(ctx, pvc)
	}
	pv := volumeFor(h.root, pvc)
	if _, err := h.volumes.Get(pv.Name); err == nil {
		return nil
	}
	if err := os.MkdirAll(claimDir(h.root, pvc), 0o755); err != nil {
		return fmt.Errorf("making the directory of claim %s/%s: %w", ns, name, err)
	}
	_, err = h.kube.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating volume for claim %s/%s: %w", ns, name, err)
	}
	h.log.WithField("claim", ns+"/"+name).Info("volume created")
	return nil
}

// removeOrphanVolumes deletes the volumes this host made for ns/name that no
// longer belong to a live claim, and their data.
func (h *host) removeOrphanVolumes(ctx context.Context, ns, name string, pvc *corev1.PersistentVolumeClaim) error {
	pvs, err := h.volumes.List(labelsManaged())
	if err != nil {
		return err
	}
	for _, pv := range pvs {
		ref := pv.Spec.ClaimRef
		if ref == nil || ref.Namespace != ns || ref.Name != name || (pvc != nil && pvc.UID == ref.UID) {
			continue
		}
		// Data first: once the volume is gone, nothing may find the data.
		if pv.Spec.HostPath != nil {
			if err := h.removeData(pv.Spec.HostPath.Path); err != nil {
				return err
			}
		}
		err := h.kube.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting volume %s: %w", pv.Name, err)
		}
		h.log.WithField("claim", ns+"/"+name).Info("claim gone; volume and data removed")
	}
	return nil
}

// removeData deletes a simulated volume's directory, and nothing outside the
// data root.
func (h *host) removeData(dir string) error {
	rel, err := filepath.Rel(h.root, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("refusing to remove %s: not under %s", dir, h.root)
	}
	return os.RemoveAll(dir)
}

// syncPod makes the pod's Exec and registry entry match the pod, marking it
// lost while its node is, or removes a claimless pod's directory once the pod
// is gone. The Exec itself is garbage collected through its owner reference.
func (h *host) syncPod(ctx context.Context, ns, name string) error {
	pod, err := h.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		h.hooks.forget(ns, name)
		if err := h.unlink(ns, name); err != nil {
			return err
		}
		return h.removePodDirs(ns, name, "")
	} else if err != nil {
		return err
	}
	if pod.DeletionTimestamp != nil {
		// A lost node's kubelet runs no hook and confirms nothing: the pod
		// stays Terminating, its processes as they were, until it is
		// force-deleted or the node returns (syncNode requeues its pods).
		if lost, err := h.podLost(pod); err != nil || lost {
			return err
		}
		if !h.hooks.returned(pod, func() { h.queue.Add(item{"pod", ns, name}) }) {
			return nil // its processes run until its preStop hooks return
		}
		// A pod on its way out no longer replicates to or from anyone; only
		// then may kwok remove it (the pod-delete Stage waits for the
		// annotation), as a kubelet removes a pod only once its containers,
		// and every process exec'd into them, have stopped.
		if err := h.unlink(ns, name); err != nil {
			return err
		}
		return h.markStopped(ctx, pod)
	}
	workDir := podDir(h.root, pod)
	if err := h.removePodDirs(ns, name, pod.UID); err != nil {
		return err
	}
	if claim := dataClaimName(pod); claim != "" {
		pvc, err := h.claims.PersistentVolumeClaims(ns).Get(claim)
		if err != nil {
			return fmt.Errorf("pod %s/%s: waiting for claim %s: %w", ns, name, claim, err)
		}
		workDir = claimDir(h.root, pvc)
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return fmt.Errorf("making the directory of pod %s/%s: %w", ns, name, err)
	}
	if claim := dataClaimName(pod); claim != "" && pod.Status.Phase == corev1.PodRunning {
		h.queue.Add(item{"claim", ns, claim}) // a resize waiting for a pod finishes
	}
	lost, err := h.podLost(pod)
	if err != nil {
		return err
	}
	marker := lostMarker(h.root, ns, name)
	// The marker goes before the link, so no peer finds a lost pod unmarked.
	if lost {
		if err := writeLostMarker(marker, pod.Spec.NodeName); err != nil {
			return err
		}
	}
	claims, err := h.volumeDirs(ctx, pod)
	if err != nil {
		return err
	}
	if err := h.link(pod, workDir, claims); err != nil {
		return err
	}
	if !lost {
		if gone, err := h.goneWhileLost(ctx, pod, marker); err != nil || gone {
			return err
		}
		if err := removeLostMarker(marker); err != nil {
			return err
		}
	}
	return h.applyExec(ctx, execFor(h.root, pod, workDir, claims))
}

func (h *host) applyExec(ctx context.Context, want *unstructured.Unstructured) error {
	client := h.dyn.Resource(execGVR).Namespace(want.GetNamespace())
	obj, err := h.execs.ByNamespace(want.GetNamespace()).Get(want.GetName())
	if apierrors.IsNotFound(err) {
		_, err = client.Create(ctx, want, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating exec %s/%s: %w", want.GetNamespace(), want.GetName(), err)
		}
		return nil
	} else if err != nil {
		return err
	}
	have := obj.(*unstructured.Unstructured)
	if reflect.DeepEqual(have.Object["spec"], want.Object["spec"]) &&
		reflect.DeepEqual(have.GetOwnerReferences(), want.GetOwnerReferences()) {
		return nil
	}
	upd := have.DeepCopy()
	upd.Object["spec"] = want.Object["spec"]
	upd.SetOwnerReferences(want.GetOwnerReferences())
	if _, err := client.Update(ctx, upd, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating exec %s/%s: %w", want.GetNamespace(), want.GetName(), err)
	}
	return nil
}

func labelsManaged() labels.Selector {
	return labels.SelectorFromSet(labels.Set{managedLabel: "true"})
}

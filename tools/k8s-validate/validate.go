package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kinds are the objects a rendered chart may hold, each decoded into its Kubernetes API type.
// Anything else fails: a new kind must be added here on purpose.
var kinds = map[string]func() any{
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                     func() any { return &appsv1.StatefulSet{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                               func() any { return &corev1.Secret{} },
	"autoscaling/v2/HorizontalPodAutoscaler":  func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &ServiceMonitor{} },
}

// ServiceMonitor is the part of prometheus-operator's monitoring.coreos.com/v1 ServiceMonitor
// that charts here use; a field outside it fails like a misspelling (add it here when needed).
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ServiceMonitorSpec `json:"spec"`
}

type ServiceMonitorSpec struct {
	JobLabel          string                   `json:"jobLabel,omitempty"`
	Selector          metav1.LabelSelector     `json:"selector"`
	NamespaceSelector *NamespaceSelector       `json:"namespaceSelector,omitempty"`
	Endpoints         []ServiceMonitorEndpoint `json:"endpoints"`
}

type NamespaceSelector struct {
	Any        bool     `json:"any,omitempty"`
	MatchNames []string `json:"matchNames,omitempty"`
}

type ServiceMonitorEndpoint struct {
	Port          string `json:"port,omitempty"`
	Path          string `json:"path,omitempty"`
	Scheme        string `json:"scheme,omitempty"`
	Interval      string `json:"interval,omitempty"`
	ScrapeTimeout string `json:"scrapeTimeout,omitempty"`
	HonorLabels   bool   `json:"honorLabels,omitempty"`
}

// Result is what validating one stream of documents found.
type Result struct {
	Objects int
	Errors  []string
	// JSON holds each object as JSON, in order (for -json).
	JSON []json.RawMessage
}

// Validate reads every YAML document of r (empty ones are skipped) and checks each strictly.
func Validate(source string, r io.Reader) Result {
	var result Result
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for index := 1; ; index++ {
		document, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			result.Errors = append(result.Errors, fmt.Sprintf("%s: document %d: %v", source, index, err))
			break
		}
		name, data, problems, empty := validateDocument(document)
		if empty {
			continue
		}
		result.Objects++
		result.JSON = append(result.JSON, data)
		for _, problem := range problems {
			result.Errors = append(result.Errors, fmt.Sprintf("%s: document %d (%s): %s", source, index, name, problem))
		}
	}
	return result
}

// validateDocument decodes one document into its API type, refusing unknown, misspelled
// (including wrongly cased) and duplicate fields, then runs the checks the API server would.
func validateDocument(document []byte) (name string, data []byte, problems []string, empty bool) {
	data, err := yaml.YAMLToJSONStrict(document)
	if err != nil {
		return "?", nil, []string{err.Error()}, false
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || string(trimmed) == "null" {
		return "", nil, nil, true
	}
	var header struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &header); err != nil {
		return "?", data, []string{fmt.Sprintf("not an object: %v", err)}, false
	}
	name = header.Kind + "/" + header.Metadata.Name
	construct, ok := kinds[header.APIVersion+"/"+header.Kind]
	if !ok {
		return name, data, []string{fmt.Sprintf("unknown apiVersion/kind %q/%q", header.APIVersion, header.Kind)}, false
	}
	object := construct()
	strict, err := sigsjson.UnmarshalStrict(data, object, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return name, data, []string{err.Error()}, false
	}
	for _, problem := range strict {
		problems = append(problems, problem.Error())
	}
	return name, data, append(problems, checkObject(object)...), false
}

// checkObject holds the semantic checks the structure alone does not catch.
func checkObject(object any) []string {
	var c checker
	switch o := object.(type) {
	case *appsv1.Deployment:
		c.meta(o.ObjectMeta, false)
		c.workload(o.Spec.Selector, o.Spec.Template)
	case *appsv1.StatefulSet:
		c.meta(o.ObjectMeta, false)
		var claims []string
		for _, claim := range o.Spec.VolumeClaimTemplates {
			claims = append(claims, claim.Name)
		}
		c.workload(o.Spec.Selector, o.Spec.Template, claims...)
		if o.Spec.ServiceName == "" {
			c.add("spec.serviceName is required")
		}
	case *corev1.Service:
		c.meta(o.ObjectMeta, true)
		if len(o.Spec.Ports) == 0 {
			c.add("spec.ports is empty")
		}
		for i, port := range o.Spec.Ports {
			c.portName(fmt.Sprintf("spec.ports[%d].name", i), port.Name, len(o.Spec.Ports) > 1)
			if port.Port < 1 || port.Port > 65535 {
				c.add("spec.ports[%d].port %d is out of range", i, port.Port)
			}
		}
	case *corev1.ServiceAccount:
		c.meta(o.ObjectMeta, false)
	case *corev1.ConfigMap:
		c.meta(o.ObjectMeta, false)
	case *corev1.Secret:
		c.meta(o.ObjectMeta, false)
	case *autoscalingv2.HorizontalPodAutoscaler:
		c.meta(o.ObjectMeta, false)
		if o.Spec.ScaleTargetRef.Kind == "" || o.Spec.ScaleTargetRef.Name == "" {
			c.add("spec.scaleTargetRef needs kind and name")
		}
		if o.Spec.MinReplicas != nil && *o.Spec.MinReplicas > o.Spec.MaxReplicas {
			c.add("spec.minReplicas %d exceeds spec.maxReplicas %d", *o.Spec.MinReplicas, o.Spec.MaxReplicas)
		}
		if o.Spec.MaxReplicas < 1 {
			c.add("spec.maxReplicas must be at least 1")
		}
	case *policyv1.PodDisruptionBudget:
		c.meta(o.ObjectMeta, false)
		if (o.Spec.MinAvailable == nil) == (o.Spec.MaxUnavailable == nil) {
			c.add("spec needs exactly one of minAvailable and maxUnavailable")
		}
		c.selector("spec.selector", o.Spec.Selector)
	case *networkingv1.NetworkPolicy:
		c.meta(o.ObjectMeta, false)
	case *ServiceMonitor:
		c.meta(o.ObjectMeta, false)
		if len(o.Spec.Endpoints) == 0 {
			c.add("spec.endpoints is empty")
		}
	}
	return c.problems
}

type checker struct{ problems []string }

func (c *checker) add(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checker) each(field string, messages []string) {
	for _, message := range messages {
		c.add("%s: %s", field, message)
	}
}

func (c *checker) meta(meta metav1.ObjectMeta, dns1035 bool) {
	if meta.Name == "" {
		c.add("metadata.name is required")
	} else if dns1035 {
		c.each("metadata.name", validation.IsDNS1035Label(meta.Name))
	} else {
		c.each("metadata.name", validation.IsDNS1123Subdomain(meta.Name))
	}
	c.labels("metadata.labels", meta.Labels)
}

func (c *checker) labels(field string, set map[string]string) {
	for key, value := range set {
		c.each(field+"["+key+"]", validation.IsQualifiedName(key))
		c.each(field+"["+key+"]", validation.IsValidLabelValue(value))
	}
}

func (c *checker) selector(field string, selector *metav1.LabelSelector) {
	if selector == nil {
		c.add("%s is required", field)
		return
	}
	if _, err := metav1.LabelSelectorAsSelector(selector); err != nil {
		c.add("%s: %v", field, err)
	}
}

func (c *checker) portName(field, name string, required bool) {
	if name == "" {
		if required {
			c.add("%s is required when there are several ports", field)
		}
		return
	}
	c.each(field, validation.IsValidPortName(name))
}

// workload checks what the API server checks of a pod template that structure does not;
// claims are a StatefulSet's volumeClaimTemplates, which containers mount like volumes.
func (c *checker) workload(selector *metav1.LabelSelector, template corev1.PodTemplateSpec, claims ...string) {
	c.selector("spec.selector", selector)
	c.labels("spec.template.metadata.labels", template.Labels)
	if selector != nil {
		if s, err := metav1.LabelSelectorAsSelector(selector); err == nil && !s.Matches(labels.Set(template.Labels)) {
			c.add("spec.selector does not match spec.template.metadata.labels")
		}
	}
	pod := template.Spec
	if len(pod.Containers) == 0 {
		c.add("spec.template.spec.containers is empty")
	}
	volumes := map[string]bool{}
	for i, volume := range pod.Volumes {
		c.each(fmt.Sprintf("spec.template.spec.volumes[%d].name", i), validation.IsDNS1123Label(volume.Name))
		if volumes[volume.Name] {
			c.add("spec.template.spec.volumes: %q is declared twice", volume.Name)
		}
		volumes[volume.Name] = true
	}
	for _, claim := range claims {
		volumes[claim] = true
	}
	for i, container := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		field := fmt.Sprintf("container %q", container.Name)
		if container.Name == "" {
			field = fmt.Sprintf("container %d", i)
			c.add("%s: name is required", field)
		} else {
			c.each(field+" name", validation.IsDNS1123Label(container.Name))
		}
		if container.Image == "" {
			c.add("%s: image is required", field)
		}
		ports := map[string]int32{}
		for j, port := range container.Ports {
			c.portName(fmt.Sprintf("%s ports[%d].name", field, j), port.Name, false)
			if port.ContainerPort < 1 || port.ContainerPort > 65535 {
				c.add("%s ports[%d].containerPort %d is out of range", field, j, port.ContainerPort)
			}
			ports[port.Name] = port.ContainerPort
		}
		env := map[string]bool{}
		for _, variable := range container.Env {
			c.each(fmt.Sprintf("%s env %q", field, variable.Name), validation.IsEnvVarName(variable.Name))
			if env[variable.Name] {
				c.add("%s: env %q is set twice", field, variable.Name)
			}
			env[variable.Name] = true
			if from := variable.ValueFrom; from != nil {
				if variable.Value != "" {
					c.add("%s: env %q has both value and valueFrom", field, variable.Name)
				}
				if ref := from.SecretKeyRef; ref != nil && (ref.Name == "" || ref.Key == "") {
					c.add("%s: env %q: secretKeyRef needs name and key", field, variable.Name)
				}
			}
		}
		for _, mount := range container.VolumeMounts {
			if !volumes[mount.Name] {
				c.add("%s: volumeMount %q names no volume of the pod", field, mount.Name)
			}
			if !strings.HasPrefix(mount.MountPath, "/") {
				c.add("%s: volumeMount %q: mountPath must be absolute", field, mount.Name)
			}
		}
		for probeName, probe := range map[string]*corev1.Probe{"readinessProbe": container.ReadinessProbe, "livenessProbe": container.LivenessProbe, "startupProbe": container.StartupProbe} {
			if probe == nil {
				continue
			}
			handlers := 0
			for _, set := range []bool{probe.Exec != nil, probe.HTTPGet != nil, probe.TCPSocket != nil, probe.GRPC != nil} {
				if set {
					handlers++
				}
			}
			if handlers != 1 {
				c.add("%s %s: needs exactly one handler, has %d", field, probeName, handlers)
			}
			if probe.GRPC != nil && (probe.GRPC.Port < 1 || probe.GRPC.Port > 65535) {
				c.add("%s %s: grpc.port %d is out of range", field, probeName, probe.GRPC.Port)
			}
		}
	}
}

// Package kubernetes holds the manifests of deploy/kubernetes; its test
// decodes them strictly into the Kubernetes API types (no cluster needed)
// and checks them against the commands they run.
package kubernetes

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"imagekit-uploader/cli"
	"imagekit-uploader/keystore"
)

// objects decodes each document of a manifest into the type its kind
// names, refusing any field the type does not have.
func objects(t *testing.T, file string) []any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) == "" {
			continue
		}
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var obj any
		switch head.APIVersion + " " + head.Kind {
		case "v1 ConfigMap":
			obj = &corev1.ConfigMap{}
		case "v1 Service":
			obj = &corev1.Service{}
		case "apps/v1 Deployment":
			obj = &appsv1.Deployment{}
		case "batch/v1 Job":
			obj = &batchv1.Job{}
		default:
			t.Fatalf("%s: a %s %s, which this test does not know", file, head.APIVersion, head.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("%s: %s: %v", file, head.Kind, err)
		}
		out = append(out, obj)
	}
	return out
}

// help is a command's --help, which lists its flags.
func help(t *testing.T, command string) string {
	t.Helper()
	var out, errs bytes.Buffer
	cli.Run(context.Background(), []string{command, "--help"}, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errs}, cli.App{})
	return out.String()
}

// checkArgs checks that every flag a container passes is one of its
// command's.
func checkArgs(t *testing.T, c corev1.Container) {
	t.Helper()
	if len(c.Args) == 0 {
		t.Fatalf("container %s runs no command", c.Name)
	}
	h := help(t, c.Args[0])
	for _, a := range c.Args[1:] {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "--") || !strings.Contains(h, "  -"+name+" ") && !strings.Contains(h, "  -"+name+"\n") {
			t.Errorf("%s %s: %q is not one of its flags", c.Name, c.Args[0], a)
		}
	}
}

func arg(c corev1.Container, flag string) string {
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--"+flag+"="); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestManifests(t *testing.T) {
	server := objects(t, "token-server.yaml")
	job := objects(t, "migrate-job.yaml")
	var dep *appsv1.Deployment
	var svc *corev1.Service
	var cm *corev1.ConfigMap
	for _, o := range server {
		switch o := o.(type) {
		case *appsv1.Deployment:
			dep = o
		case *corev1.Service:
			svc = o
		case *corev1.ConfigMap:
			cm = o
		}
	}
	if dep == nil || svc == nil || cm == nil {
		t.Fatal("token-server.yaml needs a Deployment, a Service and a ConfigMap")
	}
	for k, v := range svc.Spec.Selector {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("the Service selects %s=%s, which the Deployment's pods do not carry", k, v)
		}
	}
	ts := dep.Spec.Template.Spec.Containers[0]
	checkArgs(t, ts)
	if arg(ts, "listen") != "0.0.0.0:8080" || svc.Spec.Ports[0].TargetPort.String() != ts.Ports[0].Name {
		t.Errorf("the Service does not reach the token server's port")
	}
	if _, ok := cm.Data[keystore.EnvPublicKey]; !ok {
		t.Errorf("the ConfigMap has no %s", keystore.EnvPublicKey)
	}

	j, ok := job[0].(*batchv1.Job)
	if !ok || len(job) != 1 {
		t.Fatal("migrate-job.yaml needs one Job")
	}
	spec := j.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Error("the Job is not Indexed: its workers get no JOB_COMPLETION_INDEX")
	}
	if spec.BackoffLimitPerIndex == nil || spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Error("backoffLimitPerIndex needs restartPolicy Never")
	}
	w := spec.Template.Spec.Containers[0]
	checkArgs(t, w)
	if shards := arg(w, "shards"); spec.Completions == nil || shards != fmt.Sprint(*spec.Completions) {
		t.Errorf("--shards=%s, completions %v: each index must be one shard", shards, spec.Completions)
	}
	if spec.Parallelism == nil || *spec.Parallelism > *spec.Completions {
		t.Error("parallelism above completions")
	}
	if ep := arg(w, "token-endpoint"); ep != "http://"+svc.Name+"/auth" {
		t.Errorf("--token-endpoint %s is not the Service %s", ep, svc.Name)
	}
	env := map[string]bool{}
	for _, e := range w.Env {
		env[e.Name] = true
	}
	for _, name := range []string{keystore.EnvPublicKey, cli.EnvTokenEndpointSecret, "HOME"} {
		if !env[name] {
			t.Errorf("the worker has no %s", name)
		}
	}
	for _, rule := range spec.PodFailurePolicy.Rules {
		// Ignore is "not counted": an index whose list has one item that
		// always fails would run again without end.
		if rule.Action == batchv1.PodFailurePolicyActionIgnore && rule.OnExitCodes != nil {
			t.Errorf("a rule ignores exit codes %v: those pods would be replaced without end", rule.OnExitCodes.Values)
		}
		if rule.OnExitCodes != nil && rule.OnExitCodes.ContainerName != nil && *rule.OnExitCodes.ContainerName != w.Name {
			t.Errorf("a failure rule names container %s, not %s", *rule.OnExitCodes.ContainerName, w.Name)
		}
	}
	list := arg(w, "from-list")
	mounted := false
	for _, m := range w.VolumeMounts {
		mounted = mounted || strings.HasPrefix(list, m.MountPath+"/")
	}
	if !mounted {
		t.Errorf("--from-list %s is on no volume", list)
	}
}

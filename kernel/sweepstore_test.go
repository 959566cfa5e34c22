package kernel

import (
	"bytes"
	"strings"
	"testing"
)

// TestLoadSweepStore reads the committed second attempt at the VGG16 grid (one row, its
// baseline: test accuracy 0.8439) under the sweep's config, shows that store's digest line, and
// names a store that does not exist, or lies outside results/, in its error.
func TestLoadSweepStore(t *testing.T) {
	if IsNotebook() {
		t.Skip("running under GoNB")
	}
	t.Setenv(QuickEnv, "")
	var buf bytes.Buffer
	old := Out
	Out = &buf
	defer func() { Out = old }()
	g, err := LoadSweepStore("vgg16-cifar10", "results/vgg16-cifar10-v2.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if g.Baseline == nil || g.Baseline.Metrics.Accuracy != 0.8439 {
		t.Errorf("baseline row = %+v, want accuracy 0.8439", g.Baseline)
	}
	if done, _ := g.Done(); done != 1 {
		t.Errorf("Done() = %d units, want 1 (the baseline)", done)
	}
	if want := "store results/vgg16-cifar10-v2.jsonl: 1 rows, digest "; !strings.Contains(buf.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, buf.String())
	}
	for _, bad := range []string{"results/no-such-store.jsonl", "../results/vgg16-cifar10-v2.jsonl", "/tmp/x.jsonl", "results/vgg16-cifar10-v2.json"} {
		if _, err := LoadSweepStore("vgg16-cifar10", bad); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(strings.TrimPrefix(bad, "../"), "/")) {
			t.Errorf("store %q: err = %v, want one naming it", bad, err)
		}
	}
}

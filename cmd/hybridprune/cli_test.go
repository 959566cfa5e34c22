package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/data"
	"github.com/hybridprune/hybridprune/pruner"
)

// withoutChecksums lets the loader accept the fake MNIST files of a test (the canonical md5s and
// record counts would reject them), restoring the registry afterwards.
func withoutChecksums(t *testing.T, name string) {
	t.Helper()
	saved := data.Registry[name]
	e := saved
	e.Train, e.Test = nil, nil
	for _, f := range saved.Train {
		f.MD5, f.Records = "", 0
		e.Train = append(e.Train, f)
	}
	for _, f := range saved.Test {
		f.MD5, f.Records = "", 0
		e.Test = append(e.Test, f)
	}
	data.Registry[name] = e
	t.Cleanup(func() { data.Registry[name] = saved })
}

// writeIDX writes a gzip-compressed idx file (MNIST format) with the given magic, dims and bytes.
func writeIDX(t *testing.T, path string, magic uint32, dims []uint32, payload []byte) {
	t.Helper()
	var raw bytes.Buffer
	binary.Write(&raw, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&raw, binary.BigEndian, d)
	}
	raw.Write(payload)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeMNIST writes a tiny MNIST-format dataset (n images of 28x28; the digit is a bright column
// whose position encodes the label) into dir/mnist.
func fakeMNIST(t *testing.T, dir string, n int) {
	t.Helper()
	d := filepath.Join(dir, "mnist")
	os.MkdirAll(d, 0o755)
	for _, split := range []string{"train", "t10k"} {
		imgs := make([]byte, n*784)
		labels := make([]byte, n)
		for i := 0; i < n; i++ {
			labels[i] = byte(i % 10)
			col := 2 + 2*int(labels[i])
			for y := 0; y < 28; y++ {
				imgs[i*784+y*28+col] = 255
			}
		}
		writeIDX(t, filepath.Join(d, split+"-images-idx3-ubyte.gz"), 2051, []uint32{uint32(n), 28, 28}, imgs)
		writeIDX(t, filepath.Join(d, split+"-labels-idx1-ubyte.gz"), 2049, []uint32{uint32(n)}, labels)
	}
}

// offlineFakeMNIST writes a fake MNIST of 256 images into a new directory, lets the loader
// accept it and forbids downloads; it returns the data directory.
func offlineFakeMNIST(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	fakeMNIST(t, dir, 256)
	withoutChecksums(t, "mnist")
	t.Setenv("HYBRIDPRUNE_OFFLINE", "1")
	return dir
}

// TestCLITrainPruneEvalScore runs the commands end to end on a tiny fake MNIST: the pruned model
// has half the filters, its masks are 2:4 and it loads and evaluates like any model.
func TestCLITrainPruneEvalScore(t *testing.T) {
	if testing.Short() {
		t.Skip("trains AlexNet for a few steps")
	}
	dir := offlineFakeMNIST(t)
	dataArgs := []string{"-dataset", "mnist", "-data", dir}
	run := filepath.Join(dir, "run")
	if err := runTrain(append([]string{"-model", "alexnet", "-epochs", "1", "-batch", "64", "-opt", "adam", "-lr", "0.001", "-progress=false", "-out", run}, dataArgs...)); err != nil {
		t.Fatal(err)
	}
	pruned := filepath.Join(dir, "pruned")
	if err := runPrune(append([]string{"-model", filepath.Join(run, "model"), "-out", pruned, "-schedule", "hybrid", "-metric", "hybrid2",
		"-target", "0.5", "-finetune-epochs", "1", "-retrain-epochs", "1", "-batch", "64"}, dataArgs...)); err != nil {
		t.Fatal(err)
	}
	orig, _, err := nets.LoadModel(filepath.Join(run, "model"))
	if err != nil {
		t.Fatal(err)
	}
	spec, w, err := nets.LoadModel(pruned)
	if err != nil {
		t.Fatal(err)
	}
	var before, after int
	for _, i := range orig.ConvIndices() {
		before += orig.Layers[i].OutChannels
	}
	for _, i := range spec.ConvIndices() {
		after += spec.Layers[i].OutChannels
	}
	if after != before/2 {
		t.Errorf("pruned model has %d filters, want %d (half of %d)", after, before/2, before)
	}
	// Every group of 4 consecutive weights along each pruned conv filter has at most 2 non-zeros.
	for _, i := range spec.ConvIndices() {
		l := spec.Layers[i]
		wt := w[l.Name+"/weight"]
		k := len(wt.Data) / l.OutChannels
		for f := 0; f < l.OutChannels; f++ {
			for g := 0; g < k; g += 4 {
				nz := 0
				for j := g; j < min(g+4, k); j++ {
					if wt.Data[f*k+j] != 0 {
						nz++
					}
				}
				if nz > 2 {
					t.Fatalf("%s filter %d group %d has %d non-zeros after 2:4 + retraining", l.Name, f, g/4, nz)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(pruned, "masks.npz")); err != nil {
		t.Errorf("masks.npz not written: %v", err)
	}
	if err := runEval(append([]string{"-model", pruned}, dataArgs...)); err != nil {
		t.Fatal(err)
	}
	// score prints one CSV row per filter.
	r, wr, _ := os.Pipe()
	stdout := os.Stdout
	os.Stdout = wr
	err = runScore([]string{"-model", pruned, "-metric", "l1-out"})
	wr.Close()
	os.Stdout = stdout
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(r)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != after+1 || lines[0] != "layer,filter,score" {
		t.Errorf("score printed %d lines (header %q), want %d", len(lines), lines[0], after+1)
	}
	// Group-wise masks through the nm schedule, APoZ with calibration images from the dataset.
	grouped := filepath.Join(dir, "grouped")
	if err := runPrune(append([]string{"-model", filepath.Join(run, "model"), "-out", grouped, "-schedule", "nm", "-masks", "group",
		"-sparsity", "0.5", "-skip", "conv1", "-retrain-epochs", "0"}, dataArgs...)); err != nil {
		t.Fatal(err)
	}
	gm, err := nets.ReadNPZ(filepath.Join(grouped, "masks.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := gm["conv1/weight"]; ok || pruner.Sparsity(gm) < 0.49 || pruner.Sparsity(gm) > 0.51 {
		t.Errorf("group masks %v, sparsity %g", gm.Names(), pruner.Sparsity(gm))
	}
	if err := runPrune(append([]string{"-model", filepath.Join(run, "model"), "-out", filepath.Join(dir, "apoz"), "-schedule", "filter",
		"-metric", "apoz", "-calib", "16", "-finetune-epochs", "0", "-retrain-epochs", "0"}, dataArgs...)); err != nil {
		t.Fatalf("apoz from the CLI: %v", err)
	}
	// Sensitivity, automatic ratios at 90% of the MACs and the comparison at equal MACs.
	report := filepath.Join(dir, "sensitivity.json")
	if err := runSensitivity(append([]string{"-model", filepath.Join(run, "model"), "-ratios", "0.75,0.5", "-budget-macs", "0.9",
		"-compare", "-finetune-epochs", "0", "-out", report}, dataArgs...)); err != nil {
		t.Fatal(err)
	}
	var rep experiment.SensitivityReport
	if b, err := os.ReadFile(report); err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("report %s: %v", report, err)
	}
	if len(rep.Rows) != 2*len(orig.ConvIndices()) || rep.Auto == nil || rep.Auto.MACs > 0.9 || len(rep.Compare) != 3 {
		t.Errorf("report: %d rows, auto %+v, %d compared", len(rep.Rows), rep.Auto, len(rep.Compare))
	}
	ratios, err := readLayerRatios(report)
	if err != nil || len(ratios) != len(orig.ConvIndices()) {
		t.Errorf("layer ratios from the report: %v %v", ratios, err)
	}
	if err := runPatternSpeed([]string{"-sparsities", "0.5,1"}); err == nil || !strings.Contains(err.Error(), "sparsity 1 outside") {
		t.Errorf("pattern-speed at sparsity 1: %v", err)
	}
	// Bad input is rejected before any work, with the offending value named.
	if err := runPrune(append([]string{"-model", filepath.Join(run, "model"), "-out", filepath.Join(dir, "x"), "-masks", "block", "-block", "3"}, dataArgs...)); err == nil ||
		!strings.Contains(err.Error(), "do not tile") {
		t.Errorf("non-tiling block: %v", err)
	}
	if err := runSensitivity(append([]string{"-model", filepath.Join(run, "model"), "-ratios", "0.9", "-budget-macs", "0.05"}, dataArgs...)); err == nil ||
		!strings.Contains(err.Error(), "cannot be met") {
		t.Errorf("unreachable budget: %v", err)
	}
	if err := runPrune([]string{"-model", pruned, "-out", filepath.Join(dir, "x"), "-target", "1.5"}); err == nil || !strings.Contains(err.Error(), "1.5") {
		t.Errorf("target 1.5: error %v, want one naming 1.5", err)
	}
	// The (u, v) report of a model: one (u, v) per filter of every conv layer; without a baseline
	// snapshot in the work directory, an error saying how to get one.
	uvOut := filepath.Join(dir, "uv.json")
	if err := runUV([]string{"-config", "../../sweeps/alexnet-mnist.json", "-model", filepath.Join(run, "model"), "-out", uvOut}); err != nil {
		t.Fatal(err)
	}
	var uvRep experiment.UVReport
	if b, err := os.ReadFile(uvOut); err != nil || json.Unmarshal(b, &uvRep) != nil {
		t.Fatalf("reading %s: %v", uvOut, err)
	}
	for i, want := range []int{64, 192, 384, 256, 256} {
		if i >= len(uvRep.Layers) || len(uvRep.Layers[i].U) != want || len(uvRep.Layers[i].V) != want {
			t.Fatalf("uv report layers %+v, want widths 64, 192, 384, 256, 256", uvRep.Layers)
		}
	}
	if err := runUV([]string{"-config", "../../sweeps/alexnet-mnist.json", "-work", filepath.Join(dir, "none"), "-out", uvOut}); err == nil ||
		!strings.Contains(err.Error(), "no trained baseline") {
		t.Errorf("uv without a baseline: %v", err)
	}
}

// TestNumericFlagsRejected: every bad number is an error naming the flag, before any work (no
// dataset is read: the data directory does not exist).
func TestNumericFlagsRejected(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing-here")
	for _, args := range [][]string{
		{"train", "-batch", "0"}, {"train", "-epochs", "-1"}, {"train", "-lr", "NaN"}, {"train", "-lr", "0"},
		{"train", "-lr", "Inf"}, {"train", "-wd", "-1"}, {"train", "-momentum", "1"},
		{"prune", "-target", "0"}, {"prune", "-target", "1.5"}, {"prune", "-k", "NaN"}, {"prune", "-steps", "0"},
		{"eval", "-batch", "0"}, {"prune", "-sparsity", "1"}, {"prune", "-masks", "diagonal"}, {"sensitivity", "-budget-macs", "1.5"},
		{"sensitivity", "-ratios", "1.2"}, {"pattern-speed", "-vector", "1"}, {"trainbench", "-batch", "-3"}, {"bench", "-rounds", "0"}, {"train", "-limit-train", "-5"},
	} {
		flagName := args[1]
		err := commands[args[0]].run(append(args[1:], "-data", dir))
		if err == nil || !strings.Contains(err.Error(), flagName) {
			t.Errorf("%v: err = %v, want one naming %s", args, err, flagName)
		}
	}
}

// TestCLIPipelineResumes runs the main job on a tiny fake MNIST, then again: the second run reads
// the four rows back (trains nothing) and prints the same table.
func TestCLIPipelineResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains AlexNet for a few steps")
	}
	dir := offlineFakeMNIST(t)
	args := []string{"-dataset", "mnist", "-data", dir, "-epochs", "1", "-out", filepath.Join(dir, "pipe"), "-bench-batch", "8"}
	if err := runPipeline(args); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "pipe", "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 4 {
		t.Fatalf("%d rows after the pipeline, want 4 (original, 2:4 only, filter, hybrid)", n)
	}
	if err := runPipeline(args); err != nil {
		t.Fatal(err)
	}
	if b2, _ := os.ReadFile(filepath.Join(dir, "pipe", "results.jsonl")); string(b2) != string(b) {
		t.Fatal("the second run changed the result store (it should only read it)")
	}
}

// TestHelpListsRegistries: the -model and -dataset help texts come from nets.Zoo and the data
// registry, so a model or dataset added there shows up in every command's help.
func TestHelpListsRegistries(t *testing.T) {
	for _, want := range nets.ModelNames() {
		if !strings.Contains(modelList(), want) {
			t.Errorf("model help %q lacks %q", modelList(), want)
		}
	}
	for _, want := range data.Names() {
		if !strings.Contains(datasetList(), want) {
			t.Errorf("dataset help %q lacks %q", datasetList(), want)
		}
	}
}

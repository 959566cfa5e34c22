package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
	"github.com/hybridprune/hybridprune/sparse"
	"github.com/hybridprune/hybridprune/sparse/engine"
	"github.com/hybridprune/hybridprune/sparse/gemmbench"
)

func init() {
	register("bench", "time CPU inference of filter-pruned vs hybrid (filters + 2:4) models (sparse engine)", runBench)
}

func runBench(args []string) error { return benchMain(args, os.Stdout) }

// benchModel is one remaining-filter ratio: the filter-pruned model compiled
// dense and its hybrid version (2:4 conv weights) compiled with nm layers.
type benchModel struct {
	ratio          float64
	spec           *nets.Spec
	channels       []int // conv widths
	filter, hybrid *engine.Net
}

func benchMain(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(out)
	model := fs.String("model", "alexnet", "zoo model ("+modelList()+") or a model directory (spec.json + weights.npz)")
	channels := positiveInt(fs, "channels", 3, "input channels of a zoo model")
	classes := intAtLeast(fs, "classes", 10, 2, "classes of a zoo model")
	batchList := fs.String("batch", "128", "batch sizes, comma-separated")
	ratioList := fs.String("ratios", "1,0.75,0.5,0.25", "remaining-filter ratios in (0, 1], comma-separated")
	metric := fs.String("metric", "hybrid2", "filter importance metric for the global selection: "+fmt.Sprint(pruner.MetricNames()))
	k := floatRange(fs, "k", 0.5, 0, 1, false, "hybrid mixing weight k in [0, 1]")
	group := fs.String("group", "width", "2:4 group order: width (in,kh,kw) or channels (kh,kw,in)")
	pattern := fs.String("pattern", "2:4", "N:M pattern of the hybrid models")
	multiple := intAtLeast(fs, "multiple", 0, 0, "round kept filters per layer to a multiple (8/16/32; 0: off)")
	threads := intAtLeast(fs, "threads", 2, 0, "kernel goroutines (0: GOMAXPROCS)")
	budget := fs.Duration("budget", 2*time.Second, "timing budget per row (batch x ratio) and per kernel-table shape")
	rounds := positiveInt(fs, "rounds", 5, "interleaved timing rounds per row")
	seed := fs.Uint64("seed", 1, "seed of the random He weights (zoo models) and the input")
	kernels := fs.Bool("kernels", false, "also print the per-layer GEMM kernel table (dense-packed, 2:4, group50, csr50; OpenBLAS with -tags openblas)")
	torch := fs.Bool("torch", false, "also time PyTorch inference of the same (AlexNet) channel counts")
	python := fs.String("python", "/usr/bin/python3", "python interpreter for -torch")
	script := fs.String("torch-script", "bench/infer_torch.py", "PyTorch script for -torch (relative to the working directory)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the engine timing (the filter/hybrid rows) to this file (go tool pprof)")
	traceOut := fs.String("trace", "", "write a Go execution trace of the engine timing to this file (go tool trace; bench/trace_idle.py reads it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	batches, err := parseInts(*batchList)
	if err != nil {
		return fmt.Errorf("-batch: %w", err)
	}
	ratios, err := parseFloats(*ratioList)
	if err != nil {
		return fmt.Errorf("-ratios: %w", err)
	}
	for _, r := range ratios {
		if !(r > 0 && r <= 1) {
			return fmt.Errorf("-ratios: %g outside (0, 1]", r)
		}
	}
	order, err := pruner.ParseGroupOrder(*group)
	if err != nil {
		return err
	}
	pat, err := pruner.ParsePattern(*pattern)
	if err != nil {
		return err
	}
	if *threads < 0 || *rounds < 1 || *budget < 0 || *multiple < 0 {
		return fmt.Errorf("need -threads >= 0, -rounds >= 1, -budget >= 0 and -multiple >= 0")
	}
	defer gemm.SetThreads(gemm.SetThreads(*threads))

	spec, w, source, err := benchLoadModel(*model, *channels, *classes, *seed)
	if err != nil {
		return err
	}
	opts := pruner.DefaultScoreOptions()
	opts.Order, opts.Pattern, opts.K = order, pat, *k
	var models []benchModel
	for _, r := range ratios {
		m, err := buildBenchModel(spec, w, pruner.SelectConfig{Ratio: r, Multiple: *multiple}, *metric, opts, order)
		if err != nil {
			return fmt.Errorf("ratio %g: %w", r, err)
		}
		models = append(models, m)
	}

	fmt.Fprintf(out, "CPU %s, %d cores; micro-kernel routes usable here %v (HYBRIDPRUNE_KERNEL forces one); %s\n",
		experiment.CPUModel(), runtime.NumCPU(), gemm.Routes(), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(out, "bench %s (%s, %d classes): %s; filters chosen globally by %s (k=%g); hybrid = filter-pruned + %s masks on conv weights (%s order)\n",
		spec.Name, spec.Input, spec.NumClasses, source, *metric, *k, pat, order)
	fmt.Fprintf(out, "engine: filter-only = dense layers, hybrid = nm conv layers; %d threads, kernel route %s; best call of %d interleaved rounds over %v per row (noisy machine: compare ratios, not absolutes)\n",
		gemm.Threads(), gemm.RouteName(), *rounds, *budget)

	if *kernels {
		if err := benchKernelTable(out, spec, batches, *rounds, *budget); err != nil {
			return err
		}
	}

	var torchMS map[string]float64
	if *torch {
		if torchMS, err = runTorch(*python, *script, spec, models, batches, *threads, *rounds, *budget); err != nil {
			return err
		}
	}

	stop, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	stopTrace, err := startTrace(*traceOut)
	if err != nil {
		return err
	}
	defer stopTrace()
	rng := rand.New(rand.NewPCG(*seed, 3))
	for _, batch := range batches {
		x := make([]float32, batch*spec.Input.Size())
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "batch\tratio\tfilters\tMFLOP/img\tfilter ms\timg/s\thybrid ms\timg/s\thybrid speedup\t")
		if *torch {
			fmt.Fprint(tw, "torch ms\ttorch/filter\ttorch/hybrid\t")
		}
		fmt.Fprintln(tw)
		for _, m := range models {
			label := gemmbench.Shape{Net: spec.Name, Layer: fmt.Sprintf("r%g", m.ratio), Batch: batch}
			runs := make([]func() error, 2)
			for i, net := range []*engine.Net{m.filter, m.hybrid} {
				if err := net.Prepare(batch); err != nil {
					return err
				}
				runs[i] = func() error { _, err := net.Forward(x, batch); return err }
			}
			ts, err := gemmbench.CompareFuncs(label, []gemmbench.Impl{"filter", "hybrid"}, runs, *rounds, *budget)
			if err != nil {
				return err
			}
			fo, hy := ts[0].Best.Seconds(), ts[1].Best.Seconds()
			kept, total := 0, 0
			for i, c := range m.channels {
				kept += c
				total += spec.Layers[spec.ConvIndices()[i]].OutChannels
			}
			fmt.Fprintf(tw, "%d\t%.2f\t%d/%d\t%.1f\t%.3f\t%.0f\t%.3f\t%.0f\t%.2fx\t",
				batch, m.ratio, kept, total, m.filter.FLOPs(1)/1e6, fo*1e3, float64(batch)/fo, hy*1e3, float64(batch)/hy, fo/hy)
			if *torch {
				if t, ok := torchMS[torchKey(m.channels, batch)]; ok {
					fmt.Fprintf(tw, "%.3f\t%.2fx\t%.2fx\t", t, t/1e3/fo, t/1e3/hy)
				} else {
					fmt.Fprint(tw, "-\t-\t-\t")
				}
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, m := range models {
		fmt.Fprintf(out, "ratio %.2f conv widths %s\n", m.ratio, joinInts(m.channels))
	}
	fmt.Fprintln(out, "hybrid speedup = filter ms / hybrid ms at the same filters (the paper's Fig. 20 reports 1.3x on GPU); MFLOP/img is the dense-equivalent 2*M*K*N of the filter-pruned model")
	if *torch {
		fmt.Fprintln(out, "torch/x = PyTorch dense ms / engine ms at the same channel counts (> 1: the engine is faster); torch is timed in its own process (interleaved over its configs, not with the engine)")
	}
	return nil
}

// benchLoadModel returns a model directory's spec and weights, or a zoo
// model with random He weights.
func benchLoadModel(model string, channels, classes int, seed uint64) (*nets.Spec, nets.Weights, string, error) {
	if st, err := os.Stat(model); err == nil && st.IsDir() {
		spec, w, err := nets.LoadModel(model)
		if err != nil {
			return nil, nil, "", err
		}
		return spec, w, "weights of " + model, nil
	}
	spec, err := nets.ByName(model, channels, classes)
	if err != nil {
		return nil, nil, "", fmt.Errorf("-model %q is neither a model directory nor a zoo model: %w", model, err)
	}
	return spec, spec.InitWeights(seed), fmt.Sprintf("random He weights (seed %d)", seed), nil
}

// buildBenchModel prunes filters to sel.Ratio (global selection by metric),
// applies N:M masks to the conv weights for the hybrid model and compiles
// both.
func buildBenchModel(spec *nets.Spec, w nets.Weights, sel pruner.SelectConfig, metric string, opts pruner.ScoreOptions, order sparse.GroupOrder) (benchModel, error) {
	plan, err := pruner.MetricPlan(spec, w, metric, opts, sel)
	if err != nil {
		return benchModel{}, err
	}
	fspec, fw, err := pruner.ApplyPlan(spec, w, plan)
	if err != nil {
		return benchModel{}, err
	}
	masks, err := pruner.NMMasks(fspec, fw, pruner.MaskConfig{Pattern: opts.Pattern, Order: opts.Order})
	if err != nil {
		return benchModel{}, err
	}
	hw, err := pruner.ApplyMasks(fw, masks)
	if err != nil {
		return benchModel{}, err
	}
	m := benchModel{ratio: sel.Ratio, spec: fspec}
	for _, i := range fspec.ConvIndices() {
		m.channels = append(m.channels, fspec.Layers[i].OutChannels)
	}
	if m.filter, err = engine.Compile(fspec, fw, engine.Options{Default: engine.ModeDense, Order: order}); err != nil {
		return benchModel{}, err
	}
	modes := map[string]engine.Mode{}
	for _, i := range fspec.ConvIndices() {
		modes[fspec.Layers[i].Name] = engine.ModeNM
	}
	m.hybrid, err = engine.Compile(fspec, hw, engine.Options{Default: engine.ModeDense, Layers: modes, Order: order,
		N: opts.Pattern.N, M: opts.Pattern.M})
	if err != nil {
		return benchModel{}, err
	}
	return m, nil
}

// benchKernelTable times the GEMM kernels on the conv layers of spec at each
// batch (interleaved, best call) and prints gemmbench.WriteTable's table with
// speedups over the engine's dense kernel.
func benchKernelTable(out io.Writer, spec *nets.Spec, batches []int, rounds int, budget time.Duration) error {
	shapes, err := spec.Shapes()
	if err != nil {
		return err
	}
	ks := []gemmbench.Impl{gemmbench.ImplDensePacked, gemmbench.ImplNM24, gemmbench.ImplGroup50, gemmbench.ImplCSR50}
	var all []gemmbench.Timing
	for _, batch := range batches {
		for i, l := range spec.Layers {
			if l.Kind == nets.KindConv {
				s := gemmbench.Shape{Net: spec.Name, Layer: l.Name, M: l.OutChannels, K: l.InChannels * l.Kernel * l.Kernel,
					N: batch * shapes[i].H * shapes[i].W, Batch: batch}
				labels := append([]gemmbench.Impl(nil), ks...)
				var runs []func() error
				for _, k := range ks {
					run, err := gemmbench.Setup(s, k)
					if err != nil {
						return err
					}
					runs = append(runs, run)
				}
				bl, br := gemmbench.BLASImpls(s)
				labels, runs = append(labels, bl...), append(runs, br...)
				ts, err := gemmbench.CompareFuncs(s, labels, runs, rounds, budget)
				if err != nil {
					return err
				}
				all = append(all, ts...)
			}
		}
	}
	fmt.Fprintf(out, "GEMM kernels on the conv layers of %s (C[MxN] = A[MxK] B[KxN], random 50%%-dense weights per pattern; GFLOP/s dense-equivalent; x = speedup over dense-packed):\n", spec.Name)
	return gemmbench.WriteTable(out, all, gemmbench.ImplDensePacked)
}

// runTorch runs the PyTorch script once for every (channels, batch) and
// returns its ms per batch keyed by torchKey.
func runTorch(python, script string, spec *nets.Spec, models []benchModel, batches []int, threads, rounds int, budget time.Duration) (map[string]float64, error) {
	if err := checkAlexNet(spec); err != nil {
		return nil, fmt.Errorf("-torch: %w", err)
	}
	args := []string{script, "--in-channels", strconv.Itoa(spec.Input.C), "--classes", strconv.Itoa(spec.NumClasses),
		"--batch", joinInts(batches), "--threads", strconv.Itoa(max(threads, 1)),
		"--rounds", strconv.Itoa(rounds), "--budget", strconv.FormatFloat(budget.Seconds(), 'g', -1, 64)}
	for _, m := range models {
		args = append(args, "--channels", joinInts(m.channels))
	}
	cmd := exec.Command(python, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("-torch: %s %s: %v\n%s", python, strings.Join(args, " "), err, stderr.String())
	}
	res := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[0] != "torch-infer" {
			continue
		}
		kv := map[string]string{}
		for _, p := range f[1:] {
			if k, v, ok := strings.Cut(p, "="); ok {
				kv[k] = v
			}
		}
		ms, err := strconv.ParseFloat(kv["ms"], 64)
		if err != nil {
			return nil, fmt.Errorf("-torch: bad line %q", sc.Text())
		}
		res[kv["channels"]+"/"+kv["batch"]] = ms
	}
	return res, nil
}

func torchKey(channels []int, batch int) string {
	return joinInts(channels) + "/" + strconv.Itoa(batch)
}

// checkAlexNet accepts specs with the layer structure of nets.AlexNet (any
// conv widths), the network bench/infer_torch.py builds.
func checkAlexNet(spec *nets.Spec) error {
	ref := nets.AlexNet(spec.Input.C, spec.NumClasses)
	ok := spec.Input == ref.Input && len(spec.Layers) == len(ref.Layers)
	for i := 0; ok && i < len(ref.Layers); i++ {
		a, b := spec.Layers[i], ref.Layers[i]
		ok = a.Kind == b.Kind && a.Kernel == b.Kernel && a.Stride == b.Stride && a.Padding == b.Padding && a.Window == b.Window
	}
	if !ok {
		return fmt.Errorf("bench/infer_torch.py builds the AlexNet-CIFAR structure only; %q differs", spec.Name)
	}
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q: want positive integers", s)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("%q: want numbers", s)
		}
		out = append(out, v)
	}
	return out, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

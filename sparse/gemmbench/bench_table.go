package gemmbench

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/sparse"
)

// CompareImpls times several kernels on one shape round-robin (see
// CompareFuncs), keeping each kernel's fastest call.
func CompareImpls(s Shape, ks []Impl, rounds int, budget time.Duration) ([]Timing, error) {
	runs := make([]func() error, len(ks))
	for i, k := range ks {
		run, err := Setup(s, k)
		if err != nil {
			return nil, err
		}
		runs[i] = run
	}
	return CompareFuncs(s, ks, runs, rounds, budget)
}

// CompareFuncs times runs[i] (labelled ks[i], which may name an outside
// implementation such as "openblas") on shape s round-robin: rounds passes,
// each giving every function about budget/rounds, keeping the fastest call.
// Interleaving makes the ratios between kernels robust to load from other
// processes, which is what speedup tables need.
func CompareFuncs(s Shape, ks []Impl, runs []func() error, rounds int, budget time.Duration) ([]Timing, error) {
	if len(ks) != len(runs) {
		return nil, fmt.Errorf("gemmbench: CompareFuncs: %d labels for %d functions: %w", len(ks), len(runs), sparse.ErrShape)
	}
	for i, run := range runs {
		if err := run(); err != nil { // warm-up
			return nil, fmt.Errorf("gemmbench: CompareFuncs %v %s: %w", s, ks[i], err)
		}
	}
	rounds = max(rounds, 1)
	per := budget / time.Duration(rounds*max(len(ks), 1))
	times := make([][]time.Duration, len(ks))
	for range rounds {
		for i, run := range runs {
			start := time.Now()
			for n := 0; n < 1 || time.Since(start) < per; n++ {
				t0 := time.Now()
				if err := run(); err != nil {
					return nil, fmt.Errorf("gemmbench: CompareFuncs %v %s: %w", s, ks[i], err)
				}
				times[i] = append(times[i], time.Since(t0))
			}
		}
	}
	out := make([]Timing, len(ks))
	for i, ts := range times {
		slices.Sort(ts)
		out[i] = Timing{Shape: s, Impl: ks[i], Route: gemm.RouteName(), Runs: len(ts), Best: ts[0], Median: ts[len(ts)/2]}
		out[i].GFLOPS = s.FLOPs() / ts[0].Seconds() / 1e9
	}
	return out, nil
}

// WriteTable prints timings as a table: one row per shape, per kernel the
// best time in ms and dense-equivalent GFLOP/s, and the speedup over the
// timing of kernel base on the same shape (if present).
func WriteTable(w io.Writer, ts []Timing, base Impl) error {
	var shapes []Shape
	var kernels []Impl
	by := map[string]map[Impl]Timing{}
	for _, t := range ts {
		key := t.Shape.String()
		if by[key] == nil {
			by[key] = map[Impl]Timing{}
			shapes = append(shapes, t.Shape)
		}
		by[key][t.Impl] = t
		if !slices.Contains(kernels, t.Impl) {
			kernels = append(kernels, t.Impl)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "shape\t")
	for _, k := range kernels {
		fmt.Fprintf(tw, "%s ms\tGFLOP/s\tx%s\t", k, base)
	}
	fmt.Fprintln(tw)
	for _, s := range shapes {
		row := by[s.String()]
		fmt.Fprintf(tw, "%s\t", s)
		for _, k := range kernels {
			t, ok := row[k]
			if !ok {
				fmt.Fprint(tw, "-\t-\t-\t")
				continue
			}
			sp := "-"
			if b, ok := row[base]; ok {
				sp = fmt.Sprintf("%.2f", b.Best.Seconds()/t.Best.Seconds())
			}
			fmt.Fprintf(tw, "%.3f\t%.1f\t%s\t", ms(t.Best), t.GFLOPS, sp)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func ms(d time.Duration) float64 { return d.Seconds() * 1e3 }

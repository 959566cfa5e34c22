package experiment

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Grid is a sweep's results as stored: the baseline and N:M-only rows, and per metric and ratio
// (index into Sweep.Ratios) the filter-pruning, the hybrid and (with Sweep.Reversed) the
// reversed-order row; nil where a unit has not run. A k sweep's grid is that of its first k;
// CollectKs returns one per k.
type Grid struct {
	Sweep                    Sweep
	Baseline, NMOnly         *Row
	Filter, Hybrid, Reversed map[string][]*Row
}

// Collect looks up every unit of the sweep in the store.
func Collect(s Sweep, st *Store) Grid {
	s = s.KSweeps()[0]
	g := Grid{Sweep: s, Filter: map[string][]*Row{}, Hybrid: map[string][]*Row{}, Reversed: map[string][]*Row{}}
	for _, m := range s.Metrics {
		g.Filter[m] = make([]*Row, len(s.Ratios))
		g.Hybrid[m] = make([]*Row, len(s.Ratios))
		g.Reversed[m] = make([]*Row, len(s.Ratios))
	}
	for _, u := range s.Units(Shard{}) {
		r, ok := st.Get(u.Key)
		if !ok {
			continue
		}
		switch u.Kind {
		case "baseline":
			g.Baseline = &r
		case "nm-only":
			g.NMOnly = &r
		case "filter":
			g.Filter[u.Metric][u.step] = &r
		case "hybrid":
			g.Hybrid[u.Metric][u.step] = &r
		case "reversed":
			g.Reversed[u.Metric][u.step] = &r
		}
	}
	return g
}

// CollectKs returns the grid of every k of a k sweep (one grid for a plain sweep), in order.
func CollectKs(s Sweep, st *Store) []Grid {
	var out []Grid
	for _, sub := range s.KSweeps() {
		out = append(out, Collect(sub, st))
	}
	return out
}

// Done and Total count the grid's finished and listed units.
func (g Grid) Done() (done, total int) {
	per := 2
	if g.Sweep.Reversed {
		per = 3
	}
	total = 1 + per*len(g.Sweep.Metrics)*len(g.Sweep.Ratios)
	if g.Sweep.NMOnly {
		total++
	}
	if g.Baseline != nil {
		done++
	}
	if g.NMOnly != nil {
		done++
	}
	for _, m := range g.Sweep.Metrics {
		for i := range g.Sweep.Ratios {
			if g.Filter[m][i] != nil {
				done++
			}
			if g.Hybrid[m][i] != nil {
				done++
			}
			if g.Reversed[m][i] != nil {
				done++
			}
		}
	}
	return done, total
}

// Accuracy returns the accuracy of a row, or NaN for a missing one.
func Accuracy(r *Row) float64 {
	if r == nil {
		return nan
	}
	return r.Metrics.Accuracy
}

var nan = func() float64 { z := 0.0; return z / z }()

func fmtAcc(r *Row) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", r.Metrics.Accuracy)
}

// WriteTables prints the sweep's results: the baseline and N:M-only accuracies, then per metric
// the filter-pruning and the hybrid accuracy at every ratio ("-" where a unit has not run).
func WriteTables(w io.Writer, s Sweep, st *Store) error {
	if len(s.Ks) > 0 { // a k sweep: one table per k
		for _, sub := range s.KSweeps() {
			sub.Name = fmt.Sprintf("%s (k=%g)", s.Name, sub.K)
			if err := WriteTables(w, sub, st); err != nil {
				return err
			}
		}
		return nil
	}
	g := Collect(s, st)
	done, total := g.Done()
	fmt.Fprintf(w, "\n%s: %s on %s, %d of %d units in %s\n", s.Name, s.Baseline.Model, s.Baseline.Data.Dataset, done, total, st.Path())
	fmt.Fprintf(w, "original model %s, %s only %s\n", fmtAcc(g.Baseline), s.Pattern, fmtAcc(g.NMOnly))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"metric", "column"}
	for _, r := range s.Ratios {
		head = append(head, fmt.Sprintf("%.2g", r))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, m := range s.Metrics {
		for _, col := range []struct {
			name string
			rows []*Row
		}{{"filter", g.Filter[m]}, {"hybrid", g.Hybrid[m]}, {"reversed", g.Reversed[m]}} {
			if col.name == "reversed" && !s.Reversed {
				continue
			}
			cells := []string{m, col.name}
			for _, r := range col.rows {
				cells = append(cells, fmtAcc(r))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		}
	}
	return tw.Flush()
}

// Join merges grids over the same ratios (e.g. two sweeps on one baseline) into one grid whose
// metrics are all of theirs, in order; the first grid's sweep, baseline and N:M-only rows are kept.
// A metric present in several grids is taken from the first.
func Join(grids ...Grid) (Grid, error) {
	if len(grids) == 0 {
		return Grid{}, fmt.Errorf("experiment: Join of no grids")
	}
	out := grids[0]
	if out.Filter == nil {
		return Grid{}, fmt.Errorf("experiment: Join: the first grid is empty (not from Collect)")
	}
	out.Sweep.Metrics = slices.Clone(out.Sweep.Metrics)
	out.Filter, out.Hybrid, out.Reversed = maps.Clone(out.Filter), maps.Clone(out.Hybrid), maps.Clone(out.Reversed)
	if out.Reversed == nil {
		out.Reversed = map[string][]*Row{}
	}
	for _, g := range grids[1:] {
		if !slices.Equal(g.Sweep.Ratios, out.Sweep.Ratios) {
			return Grid{}, fmt.Errorf("experiment: Join: ratios %v and %v differ", out.Sweep.Ratios, g.Sweep.Ratios)
		}
		if string(configJSON(g.Sweep.Baseline)) != string(configJSON(out.Sweep.Baseline)) {
			return Grid{}, fmt.Errorf("experiment: Join: sweeps %q and %q have different baselines", out.Sweep.Name, g.Sweep.Name)
		}
		for _, m := range g.Sweep.Metrics {
			if _, ok := out.Filter[m]; ok {
				continue
			}
			out.Sweep.Metrics = append(out.Sweep.Metrics, m)
			out.Filter[m], out.Hybrid[m], out.Reversed[m] = g.Filter[m], g.Hybrid[m], g.Reversed[m]
		}
	}
	return out, nil
}

package kernel

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/nets"
)

// RepoDir finds the repository root (the directory holding sweeps/ and go.mod) from the working
// directory upwards; notebooks run in notebooks/.
func RepoDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "sweeps")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("kernel: no repository root (sweeps/ and go.mod) above the working directory")
		}
		dir = parent
	}
}

// Quick shrinks a sweep for quick mode (CI): the first two metrics and ratios (and the one-shot
// study's first two ratios), 1024 training and 512 test images, one epoch everywhere.
func Quick(s experiment.Sweep) experiment.Sweep {
	s.Name += "-quick"
	s.Metrics = s.Metrics[:min(2, len(s.Metrics))]
	s.Ratios = s.Ratios[:min(2, len(s.Ratios))]
	if s.OneShot != nil {
		o := *s.OneShot
		o.Ratios = o.Ratios[:min(2, len(o.Ratios))]
		s.OneShot = &o
	}
	s.Baseline.Data.LimitTrain, s.Baseline.Data.LimitTest = 1024, 512
	s.Baseline.Train.Epochs = 1
	s.FineTune.Epochs, s.Retrain.Epochs = min(s.FineTune.Epochs, 1), min(s.Retrain.Epochs, 1)
	return s
}

// RunSweep runs, or reads back, the sweep sweeps/NAME.json with its committed store
// results/NAME.jsonl: units already in the store are not trained again, so on a machine that has
// the results it only reads them. A live progress bar shows unit i of n, the epoch, the accuracy
// so far and the time left. In quick mode (HYBRIDPRUNE_QUICK, CI) the sweep is shrunk (Quick) and
// runs into a temporary store, never the committed one.
func RunSweep(name string) (experiment.Grid, error) {
	if err := gemm.EnvError(); err != nil {
		return experiment.Grid{}, err
	}
	root, err := RepoDir()
	if err != nil {
		return experiment.Grid{}, err
	}
	sw, st, work, err := openSweep(root, name, "")
	if err != nil {
		return experiment.Grid{}, err
	}
	storePath := st.Path()
	all := sw.Units(experiment.Shard{})
	units := len(all)
	if ReadOnlyMode() {
		DisplayMarkdown(fmt.Sprintf("sweep %s: read-only (%s=1): %d of %d units in the store, nothing trained; "+
			"`hybridprune sweep -config sweeps/%s.json` runs the rest. store %s: %d rows, digest %s",
			sw.Name, ReadOnlyEnv, storedUnits(all, st), units, name, storeLabel(st.Path(), root), len(st.Rows()), st.Digest()))
		return experiment.Collect(sw, st), nil
	}
	nets.TuneGC() // as the CLI does: keep training's temporaries near the live heap
	bar := NewProgress(fmt.Sprintf("sweep %s", sw.Name), units)
	start := time.Now()
	sum, err := experiment.Run(sw, experiment.Env{Store: st, WorkDir: work, Backend: nets.BackendDescription(),
		Progress: func(p experiment.Progress) {
			status := p.Desc
			if p.Epochs > 0 {
				status += fmt.Sprintf(", epoch %d/%d", p.Epoch, p.Epochs)
			}
			if !math.IsNaN(p.Accuracy) {
				status += fmt.Sprintf(", accuracy %.4f", p.Accuracy)
			}
			if p.UnitLeft > 0 {
				status += fmt.Sprintf(", about %s left in this unit", p.UnitLeft.Round(time.Minute))
			}
			if p.Left > 0 {
				status += fmt.Sprintf(", about %s left in all", p.Left.Round(time.Minute))
			}
			bar.Update(p.Unit-1, status)
		}})
	if err != nil {
		bar.Done("failed: " + err.Error())
		return experiment.Grid{}, err
	}
	bar.Done(fmt.Sprintf("%d units: %d trained now, %d read from %s (%.1fs); store %s: %d rows, digest %s",
		sum.Units, sum.Ran, sum.Cached, filepath.Base(storePath), time.Since(start).Seconds(),
		storeLabel(storePath, root), len(st.Rows()), st.Digest()))
	return experiment.Collect(sw, st), nil
}

// storeLabel names a store for the digest line: its path relative to the repository, or
// "(temporary)" for a quick-mode store.
func storeLabel(path, root string) string {
	if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return "(temporary) " + filepath.Base(path)
}

// QuickDirEnv names the directory of quick mode's stores and snapshots (default: the system's
// temporary directory's hybridprune-quick); scripts/run-notebooks.sh sets a new one per run so that
// every run trains its quick units afresh.
const QuickDirEnv = "HYBRIDPRUNE_QUICK_DIR"

// openSweep loads sweeps/NAME.json and its store: results/NAME.jsonl, or store (a path under the
// repository root) unless empty, or in quick mode the shrunk sweep and a store under QuickDirEnv
// (shared by the cells of one notebook run, never the committed one).
func openSweep(root, name, store string) (experiment.Sweep, *experiment.Store, string, error) {
	sw, err := experiment.LoadSweep(filepath.Join(root, "sweeps", name+".json"))
	if err != nil {
		return sw, nil, "", err
	}
	storePath := filepath.Join(root, "results", name+".jsonl")
	if store != "" {
		storePath = filepath.Join(root, store)
	}
	work := filepath.Join(root, "runs", "sweeps")
	if QuickMode() {
		sw = Quick(sw)
		tmp := os.Getenv(QuickDirEnv) // scripts/run-notebooks.sh sets a fresh one per run
		if tmp == "" {
			tmp = filepath.Join(os.TempDir(), "hybridprune-quick")
		}
		storePath, work = filepath.Join(tmp, name+".jsonl"), filepath.Join(tmp, "work")
	}
	st, err := experiment.OpenStore(storePath)
	return sw, st, work, err
}

// LoadSweep reads the grid of sweeps/NAME.json from its store without running anything (for
// grids run from the CLI, and the cells after RunSweep's); missing units show as gaps. It shows
// the store's digest line, which scripts/check-notebook-results.py compares with the committed
// file.
func LoadSweep(name string) (experiment.Grid, error) {
	root, err := RepoDir()
	if err != nil {
		return experiment.Grid{}, err
	}
	sw, st, _, err := openSweep(root, name, "")
	if err != nil {
		return experiment.Grid{}, err
	}
	showStore(sw, st, root)
	return experiment.Collect(sw, st), nil
}

// LoadSweepStore is LoadSweep reading another store of the same sweep: store, a file under the
// repository's results/ (e.g. results/vgg16-cifar10-v3.jsonl), holds a second attempt at the grid,
// such as the VGG16 grid run again from a baseline trained on another machine. It must exist: an
// attempt that has not started has no rows to show. Quick mode reads the sweep's temporary store,
// as LoadSweep does, so that CI never shows the committed rows as its own.
func LoadSweepStore(name, store string) (experiment.Grid, error) {
	if QuickMode() {
		return LoadSweep(name)
	}
	clean := filepath.ToSlash(filepath.Clean(store))
	if !strings.HasPrefix(clean, "results/") || !strings.HasSuffix(clean, ".jsonl") {
		return experiment.Grid{}, fmt.Errorf("kernel: store %q of sweep %q: expected a results/NAME.jsonl file of the repository", store, name)
	}
	root, err := RepoDir()
	if err != nil {
		return experiment.Grid{}, err
	}
	if _, err := os.Stat(filepath.Join(root, clean)); err != nil {
		return experiment.Grid{}, fmt.Errorf("kernel: store of sweep %q: %w", name, err)
	}
	sw, st, _, err := openSweep(root, name, clean)
	if err != nil {
		return experiment.Grid{}, err
	}
	showStore(sw, st, root)
	return experiment.Collect(sw, st), nil
}

// showStore displays the line "sweep NAME: read I of N units; store PATH: R rows, digest D".
func showStore(sw experiment.Sweep, st *experiment.Store, root string) {
	all := sw.Units(experiment.Shard{})
	DisplayMarkdown(fmt.Sprintf("sweep %s: read %d of %d units, nothing trained; store %s: %d rows, digest %s",
		sw.Name, storedUnits(all, st), len(all), storeLabel(st.Path(), root), len(st.Rows()), st.Digest()))
}

// storedUnits counts the units whose row is in the store: every unit kind, the studies' too
// (Grid.Done counts the grid's).
func storedUnits(units []experiment.Unit, st *experiment.Store) int {
	n := 0
	for _, u := range units {
		if _, ok := st.Get(u.Key); ok {
			n++
		}
	}
	return n
}

// accuracies returns the accuracy of each row, NaN where missing.
func accuracies(rows []*experiment.Row) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = experiment.Accuracy(r)
	}
	return out
}

// SweepPlot draws one line per metric of the grid's column ("filter", "hybrid" or "reversed") against the
// remaining ratio, as the paper's Figs. 8-14 do; paper, when non-nil, is drawn as an extra line
// (values at the grid's ratios). Missing units leave gaps out of the line.
func SweepPlot(g experiment.Grid, column, title string, metrics []string, paper *Series) (string, error) {
	// Accuracy falls with the ratio: the lower right corner is empty, so the legend goes there.
	return SweepPlotWith(PlotOptions{LegendBottom: true}, g, column, title, metrics, paper)
}

// SweepPlotWith is SweepPlot with plot options, e.g. a y range that zooms in on the metrics that
// stay close to the baseline when one of them collapses.
func SweepPlotWith(o PlotOptions, g experiment.Grid, column, title string, metrics []string, paper *Series) (string, error) {
	if metrics == nil {
		metrics = g.Sweep.Metrics
	}
	var series []Series
	for _, m := range metrics {
		rows := g.Hybrid[m]
		switch column {
		case "filter":
			rows = g.Filter[m]
		case "reversed":
			rows = g.Reversed[m]
		}
		s := Series{Name: m}
		for i, y := range accuracies(rows) {
			if !math.IsNaN(y) {
				s.X, s.Y = append(s.X, g.Sweep.Ratios[i]), append(s.Y, y)
			}
		}
		if len(s.Y) > 0 {
			series = append(series, s)
		}
	}
	if paper != nil {
		series = append(series, *paper)
	}
	if len(series) == 0 {
		return "", fmt.Errorf("kernel: SweepPlot %q: no finished units yet", title)
	}
	return LinePlotWith(o, title, "remaining filter ratio", "test accuracy", series...)
}

// Table1 shows Table 1 side by side with the paper's: the original model, 2:4 only, then per
// ratio filter pruning and hybrid pruning with metric, ours next to the paper's.
func Table1(g experiment.Grid, metric string) {
	if _, ok := g.Filter[metric]; !ok {
		DisplayMarkdown(fmt.Sprintf("Table 1: metric %q is not in sweep %s (it has %v).", metric, g.Sweep.Name, g.Sweep.Metrics))
		return
	}
	p := experiment.PaperTable1
	f2 := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf("%.3f", v)
	}
	rows := [][]string{{"1.0", "original", f2(p.Original), f2(experiment.Accuracy(g.Baseline)), "2:4 only", f2(p.NMOnly), f2(experiment.Accuracy(g.NMOnly))}}
	for i, r := range g.Sweep.Ratios {
		j := -1
		for k, pr := range experiment.PaperRatios {
			if math.Abs(pr-r) < 1e-9 {
				j = k
			}
		}
		pf, ph := math.NaN(), math.NaN()
		if j >= 0 {
			pf, ph = p.Filter[j], p.Hybrid[j]
		}
		rows = append(rows, []string{fmt.Sprintf("%.1f", r), "filter", f2(pf), f2(experiment.Accuracy(g.Filter[metric][i])),
			"hybrid", f2(ph), f2(experiment.Accuracy(g.Hybrid[metric][i]))})
	}
	DisplayTable([]string{"remaining", "column", "paper", "ours (" + metric + ")", "column", "paper", "ours (" + metric + ")"}, rows)
}

// Verdicts shows claims with the paper's number, ours, and confirmed / refuted / open.
func Verdicts(vs ...[]experiment.Verdict) {
	var rows [][]string
	for _, list := range vs {
		for _, v := range list {
			rows = append(rows, []string{v.Claim, v.Paper, v.Ours, v.Status})
		}
	}
	DisplayTable([]string{"claim", "paper", "ours", "verdict"}, rows)
}

// Table2 shows Table 2: hybrid pruning with metric and 2:4 groups along the width (grid width)
// and along the channels (grid channels), ours beside the paper's, at 1.0 (2:4 only) and every
// ratio.
func Table2(width, channels experiment.Grid, metric string) {
	_, okw := width.Hybrid[metric]
	_, okc := channels.Hybrid[metric]
	if !okw || !okc || !slices.Equal(width.Sweep.Ratios, channels.Sweep.Ratios) {
		DisplayMarkdown(fmt.Sprintf("Table 2: both sweeps need metric %q and the same ratios (%v vs %v).", metric, width.Sweep.Ratios, channels.Sweep.Ratios))
		return
	}
	p := experiment.PaperTable2
	f3 := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf("%.3f", v)
	}
	rows := [][]string{{"1.0 (2:4 only)", f3(p.Width[0]), f3(experiment.Accuracy(width.NMOnly)), f3(p.Channels[0]), f3(experiment.Accuracy(channels.NMOnly))}}
	for i, r := range width.Sweep.Ratios {
		pw, pc := math.NaN(), math.NaN()
		for k, pr := range experiment.PaperRatios {
			if math.Abs(pr-r) < 1e-9 {
				pw, pc = p.Width[k+1], p.Channels[k+1]
			}
		}
		ch := channels.Hybrid[metric][i]
		rows = append(rows, []string{fmt.Sprintf("%.1f", r), f3(pw), f3(experiment.Accuracy(width.Hybrid[metric][i])), f3(pc), f3(experiment.Accuracy(ch))})
	}
	DisplayTable([]string{"remaining", "width: paper", "width: ours", "channels: paper", "channels: ours"}, rows)
}

// Widths shows the conv widths every metric's trajectory kept at the grid's ratio index i,
// with the hybrid accuracy: a global selection that strips a layer shows here.
func Widths(g experiment.Grid, i int) {
	if i < 0 || i >= len(g.Sweep.Ratios) {
		DisplayMarkdown(fmt.Sprintf("Widths: ratio index %d outside the sweep's %d ratios.", i, len(g.Sweep.Ratios)))
		return
	}
	var rows [][]string
	for _, m := range g.Sweep.Metrics {
		r := g.Filter[m][i]
		if r == nil {
			rows = append(rows, []string{m, "-", "-", "-"})
			continue
		}
		rows = append(rows, []string{m, fmt.Sprint(r.Metrics.Widths), fmt.Sprintf("%.4f", r.Metrics.Accuracy), fmt.Sprintf("%.4f", experiment.Accuracy(g.Hybrid[m][i]))})
	}
	base := "-"
	if g.Baseline != nil {
		base = fmt.Sprint(g.Baseline.Metrics.Widths)
	}
	DisplayMarkdown(fmt.Sprintf("Conv widths at remaining ratio %.1f (baseline %s):", g.Sweep.Ratios[i], base))
	DisplayTable([]string{"metric", "conv widths", "filter accuracy", "hybrid accuracy"}, rows)
}

// PaperTable1Series returns the paper's Table 1 column ("filter" or "hybrid") at the grid's
// ratios as a plot series (nil when a ratio has no paper value).
func PaperTable1Series(g experiment.Grid, column string) *Series {
	s := &Series{Name: "paper, Table 1 " + column}
	for _, r := range g.Sweep.Ratios {
		for k, pr := range experiment.PaperRatios {
			if math.Abs(pr-r) < 1e-9 {
				v := experiment.PaperTable1.Hybrid[k]
				if column == "filter" {
					v = experiment.PaperTable1.Filter[k]
				}
				s.X, s.Y = append(s.X, r), append(s.Y, v)
			}
		}
	}
	if len(s.Y) == 0 {
		return nil
	}
	return s
}

// Fig20 shows the speed study of sweep NAME (rows from `hybridprune sweep -speed METRIC`): engine
// ms per batch of the filter-pruned models on dense kernels and with 2:4 conv layers per
// remaining ratio, the 2:4-only baseline, and the paper's two speed claims checked against the
// grid's accuracies.
func Fig20(name, metric string, batch int) error {
	g, sp, base, rows, st, err := fig20Rows(name, metric, batch)
	if err != nil {
		return err
	}
	dense, nm := Series{Name: "filter pruning (dense kernels)"}, Series{Name: "hybrid (2:4 conv layers)"}
	if base != nil { // ratio 1 first: the ratios run downwards from there
		dense.X, dense.Y = append(dense.X, 1), append(dense.Y, base.Metrics.MsPerBatch["dense"])
		nm.X, nm.Y = append(nm.X, 1), append(nm.Y, base.Metrics.MsPerBatch["nm"])
	}
	for i, r := range rows {
		if r != nil {
			dense.X, dense.Y = append(dense.X, g.Sweep.Ratios[i]), append(dense.Y, r.Metrics.MsPerBatch["dense"])
			nm.X, nm.Y = append(nm.X, g.Sweep.Ratios[i]), append(nm.Y, r.Metrics.MsPerBatch["nm"])
		}
	}
	if len(dense.Y) == 0 {
		DisplayMarkdown(fmt.Sprintf("No speed rows for %s in %s: run `hybridprune sweep -config sweeps/%s.json -speed %s -speed-batch %d`.",
			metric, st.Path(), name, metric, batch))
		return nil
	}
	title := fmt.Sprintf("Fig. 20 on the CPU engine: %s trajectory, batch %d (ratio 1: original and 2:4 only)", metric, batch)
	// Time grows with the ratio: the upper left corner is empty, so the legend goes there.
	if err := DisplayPlot(LinePlotWith(PlotOptions{LegendLeft: true}, title, "remaining filter ratio", "ms per batch", dense, nm)); err != nil {
		return err
	}
	var table [][]string
	for i, r := range g.Sweep.Ratios {
		sr := rows[i]
		if sr == nil {
			continue
		}
		d, n := sr.Metrics.MsPerBatch["dense"], sr.Metrics.MsPerBatch["nm"]
		table = append(table, []string{fmt.Sprintf("%.1f", r), fmt.Sprintf("%.4f", experiment.Accuracy(g.Filter[metric][i])),
			fmt.Sprintf("%.2f", d), fmt.Sprintf("%.4f", experiment.Accuracy(g.Hybrid[metric][i])), fmt.Sprintf("%.2f", n), fmt.Sprintf("%.2fx", d/n)})
	}
	DisplayTable([]string{"remaining", "filter accuracy", "filter ms", "hybrid accuracy", "hybrid ms", "hybrid speedup"}, table)
	Verdicts(experiment.Fig20Verdicts(g, sp, base, rows))
	return nil
}

// fig20Rows reads sweep name's grid and the speed rows of metric's trajectory at batch, in one
// read of the store.
func fig20Rows(name, metric string, batch int) (experiment.Grid, experiment.Speed, *experiment.Row, []*experiment.Row, *experiment.Store, error) {
	sp := experiment.Speed{Metric: metric, Batch: batch}
	root, err := RepoDir()
	if err != nil {
		return experiment.Grid{}, sp, nil, nil, nil, err
	}
	sw, st, _, err := openSweep(root, name, "")
	if err != nil {
		return experiment.Grid{}, sp, nil, nil, nil, err
	}
	g := experiment.Collect(sw, st)
	base, rows := experiment.CollectSpeed(g.Sweep, sp, st)
	return g, sp, base, rows, st, nil
}

// Fig20Verdicts returns Fig20's two verdicts (section 5.5's speed claims) without drawing, for a
// notebook's closing verdict table.
func Fig20Verdicts(name, metric string, batch int) ([]experiment.Verdict, error) {
	g, sp, base, rows, _, err := fig20Rows(name, metric, batch)
	if err != nil {
		return nil, err
	}
	return experiment.Fig20Verdicts(g, sp, base, rows), nil
}

// OrderPlot draws, per metric, the hybrid (filters, then 2:4) and the reversed-order (2:4, then
// filters) accuracy against the remaining ratio: the paper's Figs. 15-16.
func OrderPlot(g experiment.Grid, title string, metrics []string) (string, error) {
	var series []Series
	for _, m := range metrics {
		for _, col := range []struct {
			name string
			rows []*experiment.Row
		}{{"hybrid (filters, then 2:4)", g.Hybrid[m]}, {"reversed (2:4, then filters)", g.Reversed[m]}} {
			s := Series{Name: m + " " + col.name}
			for i, y := range accuracies(col.rows) {
				if !math.IsNaN(y) {
					s.X, s.Y = append(s.X, g.Sweep.Ratios[i]), append(s.Y, y)
				}
			}
			if len(s.Y) > 0 {
				series = append(series, s)
			}
		}
	}
	if len(series) == 0 {
		return "", fmt.Errorf("kernel: OrderPlot %q: no finished units yet", title)
	}
	// The curves run close together: leave room below them for the legend.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, y := range s.Y {
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	o := PlotOptions{LegendBottom: true, YMin: lo - 0.9*max(hi-lo, 1e-3), YMax: hi + 0.05*max(hi-lo, 1e-3)}
	return LinePlotWith(o, title, "remaining filter ratio", "test accuracy", series...)
}

// LoadKSweep reads the grids of a k sweep (sweeps/NAME.json with "ks"), one per k, from its store.
func LoadKSweep(name string) ([]experiment.Grid, error) {
	root, err := RepoDir()
	if err != nil {
		return nil, err
	}
	sw, st, _, err := openSweep(root, name, "")
	if err != nil {
		return nil, err
	}
	showStore(sw, st, root)
	return experiment.CollectKs(sw, st), nil
}

// KPlot draws, per metric, the column's accuracy at the remaining ratio against k, one point per
// grid of a k sweep (the paper's Figs. 17-19); extra series (the paper's reported points) are
// drawn beside them.
func KPlot(grids []experiment.Grid, column string, ratio float64, title string, extra ...Series) (string, error) {
	if len(grids) == 0 {
		return "", fmt.Errorf("kernel: KPlot %q: no grids", title)
	}
	idx := slices.Index(grids[0].Sweep.Ratios, ratio)
	if idx < 0 {
		return "", fmt.Errorf("kernel: KPlot %q: ratio %g is not one of %v", title, ratio, grids[0].Sweep.Ratios)
	}
	// Draw in increasing k whatever the order of the config's "ks" (a line must not zig-zag).
	grids = slices.Clone(grids)
	slices.SortStableFunc(grids, func(a, b experiment.Grid) int { return cmp.Compare(a.Sweep.K, b.Sweep.K) })
	var series []Series
	for _, m := range grids[0].Sweep.Metrics {
		s := Series{Name: m}
		for _, g := range grids {
			rows := g.Hybrid[m]
			if column == "filter" {
				rows = g.Filter[m]
			}
			if y := experiment.Accuracy(rows[idx]); !math.IsNaN(y) {
				s.X, s.Y = append(s.X, g.Sweep.K), append(s.Y, y)
			}
		}
		if len(s.Y) > 0 {
			series = append(series, s)
		}
	}
	if len(series) == 0 {
		return "", fmt.Errorf("kernel: KPlot %q: no finished units yet", title)
	}
	series = append(series, extra...)
	// The curves fill the upper part wherever the best k lies: room below them for the legend.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, y := range s.Y {
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	d := max(hi-lo, 1e-3)
	o := PlotOptions{LegendBottom: true, YMin: lo - 0.45*d, YMax: hi + 0.05*d}
	return LinePlotWith(o, title, "k (weight of the N:M term)", "test accuracy", series...)
}

// GridTable shows whatever a grid holds so far, for any model and dataset (Table1 is the paper's
// AlexNet / MNIST layout): a line with the baseline and N:M-only accuracies, then per metric the
// filter-pruning and hybrid accuracies at each ratio, "-" where a unit has not finished.
func GridTable(g experiment.Grid) {
	done, total := g.Done()
	acc := func(r *experiment.Row) string {
		if r == nil {
			return "-"
		}
		return fmt.Sprintf("%.4f", experiment.Accuracy(r))
	}
	head := []string{"metric", "column"}
	for _, r := range g.Sweep.Ratios {
		head = append(head, fmt.Sprintf("%.1f", r))
	}
	var rows [][]string
	for _, m := range g.Sweep.Metrics {
		for _, col := range []struct {
			name string
			rows []*experiment.Row
		}{{"filter", g.Filter[m]}, {"hybrid", g.Hybrid[m]}} {
			row := []string{m, col.name}
			for i := range g.Sweep.Ratios {
				var r *experiment.Row
				if i < len(col.rows) {
					r = col.rows[i]
				}
				row = append(row, acc(r))
			}
			rows = append(rows, row)
		}
	}
	fmt.Fprintf(Out, "%s: %d of %d units done; original model %s, %s only %s\n", g.Sweep.Name, done, total, acc(g.Baseline),
		g.Sweep.Pattern, acc(g.NMOnly))
	DisplayTable(head, rows)
}

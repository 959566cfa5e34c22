package experiment

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRunSpeed: after a sweep, the speed study times every snapshot once (a second call appends
// nothing), records both variants, and without the snapshots it says what is missing.
func TestRunSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles AlexNet on the engine several times")
	}
	dir := t.TempDir()
	st, _ := OpenStore(filepath.Join(dir, "r.jsonl"))
	s := testSweep()
	s.Metrics, s.Ratios = []string{"l1-in"}, []float64{0.5}
	f := &fakeEnv{}
	env := f.env(t, st, filepath.Join(dir, "work"))
	if _, err := Run(s, env); err != nil {
		t.Fatal(err)
	}
	sp := Speed{Metric: "l1-in", Batch: 2, Budget: 20 * time.Millisecond}
	if err := RunSpeed(s, sp, env); err != nil {
		t.Fatal(err)
	}
	base, rows := CollectSpeed(s, sp, st)
	if base == nil || rows[0] == nil {
		t.Fatalf("speed rows missing: %v %v", base, rows)
	}
	for _, r := range []*Row{base, rows[0]} {
		if r.Metrics.MsPerBatch["dense"] <= 0 || r.Metrics.MsPerBatch["nm"] <= 0 {
			t.Fatalf("speed row %+v lacks a time", r.Metrics)
		}
	}
	n := len(st.Rows())
	if err := RunSpeed(s, sp, env); err != nil || len(st.Rows()) != n {
		t.Fatalf("second speed run: err %v, %d rows (was %d)", err, len(st.Rows()), n)
	}
	// Retime: every speed row is timed again and replaced (same keys, same count), the sweep's
	// training rows untouched; without the snapshots it fails before dropping anything.
	train := len(st.Rows()) - 2
	retime := sp
	retime.Retime = true
	if err := RunSpeed(s, retime, env); err != nil || len(st.Rows()) != n {
		t.Fatalf("retime: err %v, %d rows (was %d)", err, len(st.Rows()), n)
	}
	nb, nr := CollectSpeed(s, sp, st)
	if nb == nil || nr[0] == nil || nb.Key != base.Key || nr[0].Key != rows[0].Key || len(st.Rows())-2 != train {
		t.Fatalf("retime lost rows: %v %v", nb, nr)
	}
	if rows := st.Rows(); rows[len(rows)-1].Kind != "speed" || rows[len(rows)-2].Kind != "speed" {
		t.Fatal("retimed rows are not the last two of the store")
	}
	other := env
	other.WorkDir = filepath.Join(dir, "elsewhere")
	if err := RunSpeed(s, retime, other); err == nil || len(st.Rows()) != n {
		t.Fatalf("retime without snapshots: err %v, %d rows (was %d)", err, len(st.Rows()), n)
	}
	sp.Batch = 4 // new units
	if err := RunSpeed(s, sp, other); err == nil || !strings.Contains(err.Error(), "run the sweep first") {
		t.Fatalf("without snapshots: err = %v", err)
	}
}

// TestFig20Verdicts on hand-made rows: filter pruning reaches 0.973 down to 0.5, hybrid down to
// 0.7; dense at 0.5 takes 10 ms, 2:4 at 0.7 8 ms: 1.25x, confirmed. 2:4 only takes 12 ms, hybrid
// at 0.5 6 ms: 2x, confirmed.
func TestFig20Verdicts(t *testing.T) {
	s := testSweep()
	s.Metrics, s.Ratios = []string{"m"}, []float64{0.7, 0.5, 0.4}
	acc := func(a float64) *Row { return &Row{Metrics: Metrics{Accuracy: a}} }
	ms := func(d, n float64) *Row {
		return &Row{Metrics: Metrics{MsPerBatch: map[string]float64{"dense": d, "nm": n}}}
	}
	g := Grid{Sweep: s, Filter: map[string][]*Row{"m": {acc(0.98), acc(0.975), acc(0.96)}},
		Hybrid: map[string][]*Row{"m": {acc(0.974), acc(0.97), acc(0.95)}}}
	vs := Fig20Verdicts(g, Speed{Metric: "m"}, ms(15, 12), []*Row{ms(14, 8), ms(10, 6), ms(8, 5)})
	if len(vs) != 2 || vs[0].Status != "confirmed" || !strings.Contains(vs[0].Ours, "1.25x") ||
		vs[1].Status != "confirmed" || !strings.Contains(vs[1].Ours, "2.00x") {
		t.Fatalf("verdicts %+v", vs)
	}
	// Off MNIST the level is the baseline's accuracy less one point: 0.75 -> 0.74, which filter
	// pruning keeps down to 0.5 and hybrid pruning down to 0.7, as above (0.98 ... scaled down).
	s.Baseline.Data.Dataset = "cifar10"
	g.Sweep = s
	if _, _, ok := Fig20Level(g); ok {
		t.Fatal("Fig20Level without a baseline row: ok")
	}
	g.Baseline = acc(0.75)
	g.Filter["m"] = []*Row{acc(0.745), acc(0.741), acc(0.70)}
	g.Hybrid["m"] = []*Row{acc(0.742), acc(0.73), acc(0.69)}
	vs = Fig20Verdicts(g, Speed{Metric: "m"}, ms(15, 12), []*Row{ms(14, 8), ms(10, 6), ms(8, 5)})
	if level, _, _ := Fig20Level(g); math.Abs(level-0.74) > 1e-12 || vs[0].Status != "confirmed" ||
		!strings.Contains(vs[0].Claim, "0.7400") || !strings.Contains(vs[0].Ours, "1.25x") {
		t.Fatalf("level %v, verdicts %+v", level, vs)
	}
	// Within timing noise is not faster: dense 10.2 ms at 0.5 vs 2:4 10 ms at 0.7 (1.02x) is
	// refuted, and so is 2:4 only 12 ms vs hybrid 11.6 ms at 0.5 (1.03x).
	vs = Fig20Verdicts(g, Speed{Metric: "m"}, ms(15, 12), []*Row{ms(14, 10), ms(10.2, 11.6), ms(8, 5)})
	if vs[0].Status != "refuted" || !strings.Contains(vs[0].Ours, "1.02x") || vs[1].Status != "refuted" || !strings.Contains(vs[1].Ours, "1.03x") {
		t.Fatalf("verdicts within noise %+v", vs)
	}
}

// TestEq3Verdicts on hand-made grids: the averaged reading within 1 point, the summed one 40
// points below with a layer cut to one filter.
func TestEq3Verdicts(t *testing.T) {
	s := testSweep()
	s.Ratios = []float64{0.5}
	row := func(a float64, widths ...int) []*Row {
		return []*Row{{Metrics: Metrics{Accuracy: a, Widths: widths}}}
	}
	avg := Grid{Sweep: s, Filter: map[string][]*Row{"l1-out": row(0.97, 64, 26)},
		Hybrid: map[string][]*Row{"l1-out": row(0.97), "hybrid1": row(0.98), "hybrid2": row(0.96)}}
	sum := Grid{Sweep: s, Filter: map[string][]*Row{"l1-out-sum": row(0.5, 64, 1)},
		Hybrid: map[string][]*Row{"l1-out-sum": row(0.5), "hybrid1-sum": row(0.98), "hybrid2-sum": row(0.4)}}
	vs := Eq3Verdicts(avg, sum)
	if vs[0].Status != "confirmed" || vs[1].Status != "refuted" || !strings.Contains(vs[1].Ours, "1 filters") {
		t.Fatalf("verdicts %+v", vs)
	}
}

// TestKVerdicts on hand-made grids: metric a peaks at k = 0.25 by 0.02 (interior), metric b at
// k = 0 (an endpoint): neither best k is near 0.9, and not every maximum is interior.
func TestKVerdicts(t *testing.T) {
	var grids []Grid
	a := []float64{0.60, 0.62, 0.40, 0.41, 0.30}
	b := []float64{0.64, 0.33, 0.29, 0.31, 0.30}
	for i, k := range []float64{1, 0, 0.25, 0.5, 0.75} { // out of order: KVerdicts sorts by k
		j := []int{4, 0, 1, 2, 3}[i]
		s := testSweep()
		s.Metrics, s.Ratios, s.K = []string{"a", "b"}, []float64{0.5, 0.4}, k
		row := func(v float64) []*Row { return []*Row{nil, {Metrics: Metrics{Accuracy: v}}} }
		grids = append(grids, Grid{Sweep: s, Hybrid: map[string][]*Row{"a": row(a[j]), "b": row(b[j])}})
	}
	vs := KVerdicts(grids, 0.4)
	if vs[0].Status != "refuted" || !strings.Contains(vs[0].Ours, "a: k = 0.25 (0.6200)") || !strings.Contains(vs[0].Ours, "b: k = 0 (0.6400)") {
		t.Errorf("best-k verdict %+v", vs[0])
	}
	if vs[1].Status != "refuted" || !strings.Contains(vs[1].Ours, "a: best k = 0.25, 0.0200 above") {
		t.Errorf("interior verdict %+v", vs[1])
	}
	// A best k of 1 is v alone: it does not confirm "0.9" either.
	for _, g := range grids {
		if g.Sweep.K == 1 {
			g.Hybrid["a"][1].Metrics.Accuracy, g.Hybrid["b"][1].Metrics.Accuracy = 0.9, 0.9
		}
	}
	if vs := KVerdicts(grids, 0.4); vs[0].Status != "refuted" || !strings.Contains(vs[0].Ours, "a: k = 1 (0.9000)") {
		t.Errorf("best k = 1: %+v", vs[0])
	}
	// A grid without the metric, or with fewer ratios, leaves the verdicts open instead of panicking.
	short := slices.Clone(grids)
	short[2].Hybrid = map[string][]*Row{"a": nil}
	if vs := KVerdicts(short, 0.4); vs[0].Status != "open" {
		t.Errorf("incomplete grid: %+v", vs[0])
	}
	if vs := KVerdicts(grids[:2], 0.4); vs[0].Status != "open" {
		t.Errorf("two grids: %+v", vs)
	}
}

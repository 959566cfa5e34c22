package experiment

import (
	"fmt"
	"math"
	"slices"
)

// Verdict is one claim of the paper checked against our rows.
type Verdict struct {
	Claim, Paper, Ours string
	// Status is "confirmed", "refuted" or "open" (not enough rows yet).
	Status string
}

func status(ok, known bool) string {
	switch {
	case !known:
		return "open"
	case ok:
		return "confirmed"
	}
	return "refuted"
}

// MeanAccuracy is the mean accuracy of rows over the ratios (NaN if any is missing).
func MeanAccuracy(rows []*Row) float64 {
	s := 0.0
	for _, r := range rows {
		if r == nil {
			return math.NaN()
		}
		s += r.Metrics.Accuracy
	}
	return s / float64(len(rows))
}

// metricRanking orders the grid's metrics by mean hybrid accuracy, best first; metrics with a
// missing unit are left out.
func (g Grid) metricRanking() []string {
	var ms []string
	for _, m := range g.Sweep.Metrics {
		if !math.IsNaN(MeanAccuracy(g.Hybrid[m])) {
			ms = append(ms, m)
		}
	}
	slices.SortStableFunc(ms, func(a, b string) int {
		x, y := MeanAccuracy(g.Hybrid[a]), MeanAccuracy(g.Hybrid[b])
		switch {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return 0
	})
	return ms
}

// SmallestRatioAtLeast returns the smallest remaining ratio whose accuracy reaches acc, and
// false when none does or a row is missing.
func SmallestRatioAtLeast(ratios []float64, rows []*Row, acc float64) (float64, bool) {
	best, ok := 0.0, false
	for i, r := range rows {
		if r == nil {
			return 0, false
		}
		if r.Metrics.Accuracy >= acc-5e-5 {
			best, ok = ratios[i], true
		}
	}
	return best, ok
}

// Section52Verdicts checks section 5.2's claims on the metrics of g: the hybrid metrics are the
// best, the dominant ratio the worst, and remanent L1 close to input L1 (mean hybrid accuracy
// over the ratios within one point).
func Section52Verdicts(g Grid) []Verdict {
	rank := g.metricRanking()
	all := len(rank) == len(g.Sweep.Metrics)
	var out []Verdict
	if len(rank) > 0 {
		top := rank[0]
		out = append(out, Verdict{Claim: "the hybrid metrics give the most accurate hybrid-pruned models",
			Paper:  "hybrid 1 and 2 above the five single metrics (Figs. 8-14)",
			Ours:   fmt.Sprintf("best mean accuracy over the ratios: %s (%.4f); order %v", top, MeanAccuracy(g.Hybrid[top]), rank),
			Status: status(slices.Contains([]string{"hybrid1", "hybrid2", "hybrid1-sum", "hybrid2-sum"}, top), all)})
		last := rank[len(rank)-1]
		out = append(out, Verdict{Claim: "the dominant ratio is the worst metric", Paper: "lowest curve",
			Ours:   fmt.Sprintf("worst mean accuracy: %s (%.4f)", last, MeanAccuracy(g.Hybrid[last])),
			Status: status(last == "dominant-ratio", all && slices.Contains(g.Sweep.Metrics, "dominant-ratio"))})
	}
	if slices.Contains(g.Sweep.Metrics, "remanent-l1") && slices.Contains(g.Sweep.Metrics, "l1-in") {
		a, b := MeanAccuracy(g.Hybrid["remanent-l1"]), MeanAccuracy(g.Hybrid["l1-in"])
		known := !math.IsNaN(a) && !math.IsNaN(b)
		out = append(out, Verdict{Claim: "remanent L1 performs like input L1", Paper: "curves close together",
			Ours:   fmt.Sprintf("mean accuracy %.4f vs %.4f (difference %.4f; within 0.01 counts as close)", a, b, math.Abs(a-b)),
			Status: status(math.Abs(a-b) <= 0.01, known)})
	}
	return out
}

// VGG16Verdicts checks section 5.2.2's two claims on VGG16 / CIFAR-10 (Fig. 12) with the metrics
// of g that the claims name: there "the hybrid metrics do not perform the best" (hybrid 2 below
// the input-L1 family; read as hybrid2's mean hybrid accuracy over the ratios below l1-in's), and
// output L1 "drops significantly after the percentage of remaining filters drops below 50%, much
// faster than input L1" (read as l1-out losing more than a point more than l1-in from 0.5 to
// 0.4 remaining). A claim whose rows are missing is open.
func VGG16Verdicts(g Grid) []Verdict {
	var out []Verdict
	h2, in := MeanAccuracy(g.Hybrid["hybrid2"]), MeanAccuracy(g.Hybrid["l1-in"])
	out = append(out, Verdict{Claim: "on VGG16 / CIFAR-10 the hybrid metrics do not perform the best: hybrid 2 below input L1",
		Paper:  "hybrid 1 below input and remanent L1, hybrid 2 below remanent L1 (Fig. 12)",
		Ours:   fmt.Sprintf("mean hybrid accuracy over the ratios: hybrid2 %s, l1-in %s", meanOrPending(h2), meanOrPending(in)),
		Status: status(h2 < in, !math.IsNaN(h2) && !math.IsNaN(in))})
	i5, i4 := slices.Index(g.Sweep.Ratios, 0.5), slices.Index(g.Sweep.Ratios, 0.4)
	v := Verdict{Claim: "output L1 drops sharply below 0.5 remaining, much faster than input L1",
		Paper: "l1-out falls after 50% remaining, faster than l1-in (Fig. 12)", Ours: "needs ratios 0.5 and 0.4", Status: "open"}
	if i5 >= 0 && i4 >= 0 {
		o, n := g.Hybrid["l1-out"], g.Hybrid["l1-in"]
		if len(o) > max(i5, i4) && len(n) > max(i5, i4) && o[i5] != nil && o[i4] != nil && n[i5] != nil && n[i4] != nil {
			do := o[i5].Metrics.Accuracy - o[i4].Metrics.Accuracy
			dn := n[i5].Metrics.Accuracy - n[i4].Metrics.Accuracy
			v.Ours = fmt.Sprintf("from 0.5 to 0.4 remaining: l1-out %.4f -> %.4f (%+.4f), l1-in %.4f -> %.4f (%+.4f)",
				o[i5].Metrics.Accuracy, o[i4].Metrics.Accuracy, -do, n[i5].Metrics.Accuracy, n[i4].Metrics.Accuracy, -dn)
			v.Status = status(do > dn+0.01, true)
		} else {
			v.Ours = "the l1-out and l1-in rows at 0.5 and 0.4 have not all landed"
		}
	}
	return append(out, v)
}

// meanOrPending formats a mean accuracy, or says that its rows have not all landed (NaN).
func meanOrPending(x float64) string {
	if math.IsNaN(x) {
		return "(rows not all landed)"
	}
	return fmt.Sprintf("%.4f", x)
}

// Table1Verdicts checks the claims of section 5.5 around Table 1 with metric's trajectory.
func Table1Verdicts(g Grid, metric string) []Verdict {
	var out []Verdict
	f, h := g.Filter[metric], g.Hybrid[metric]
	if len(f) == 0 || len(h) == 0 {
		return []Verdict{{Claim: "Table 1 claims", Paper: "-", Ours: fmt.Sprintf("metric %q is not in sweep %q", metric, g.Sweep.Name), Status: "open"}}
	}
	// "For most percentages of remaining filters, the accuracy loss is about 1%."
	loss, n, known := 0, 0, true
	for i := range h {
		if f[i] == nil || h[i] == nil {
			known = false
			continue
		}
		n++
		if f[i].Metrics.Accuracy-h[i].Metrics.Accuracy <= 0.015 {
			loss++
		}
	}
	out = append(out, Verdict{Claim: "hybrid loses about 1% against filter pruning at most ratios",
		Paper: "4 of 6 ratios within 1.1 points (Table 1)", Ours: fmt.Sprintf("%d of %d ratios within 1.5 points", loss, n),
		Status: status(2*loss > n, known)})
	// "To the same accuracy of 0.973, filter pruning keeps 50% of filters, hybrid 70%."
	rf, okf := SmallestRatioAtLeast(g.Sweep.Ratios, f, 0.973)
	rh, okh := SmallestRatioAtLeast(g.Sweep.Ratios, h, 0.973)
	out = append(out, Verdict{Claim: "to reach 0.973, filter pruning can go further than hybrid pruning",
		Paper: "filter 0.5, hybrid 0.7", Ours: fmt.Sprintf("filter %s, hybrid %s", ratioOr(rf, okf), ratioOr(rh, okh)),
		Status: status(okf && (!okh || rf <= rh), allPresent(f) && allPresent(h) && (okf || okh))})
	// "Hybrid removes 50% of the filters with 1.6% accuracy drop from 2:4 only."
	if i := slices.Index(g.Sweep.Ratios, 0.5); i >= 0 {
		known := g.NMOnly != nil && h[i] != nil
		drop := math.NaN()
		if known {
			drop = g.NMOnly.Metrics.Accuracy - h[i].Metrics.Accuracy
		}
		out = append(out, Verdict{Claim: "hybrid at 0.5 is within about 2 points of 2:4 only",
			Paper: "0.978 -> 0.962 (1.6 points)", Ours: fmt.Sprintf("%.4f -> %.4f (%.1f points)", Accuracy(g.NMOnly), Accuracy(h[i]), 100*drop),
			Status: status(drop <= 0.02, known)})
	}
	return out
}

func allPresent(rows []*Row) bool { return !slices.Contains(rows, nil) }

func ratioOr(r float64, ok bool) string {
	if !ok {
		return "never (down to the grid's smallest ratio)"
	}
	return fmt.Sprintf("%.1f", r)
}

// Eq3Verdicts compares the two readings of eq. 3 on two grids over one baseline: avg holds l1-out,
// hybrid1 and hybrid2 (output L1 averaged, as the paper's text defines it) and sum the same
// metrics under the summed reading (l1-out-sum, hybrid1-sum, hybrid2-sum). Fig. 8 keeps l1-out
// within a few points of the hybrid metrics; the reading under which that holds (mean hybrid
// accuracy over the ratios within 2 points of the better hybrid metric, and no conv layer cut to
// a single filter) is the one that reproduces the paper.
func Eq3Verdicts(avg, sum Grid) []Verdict {
	check := func(g Grid, l1, h1, h2, reading string) Verdict {
		a := MeanAccuracy(g.Hybrid[l1])
		best := math.Max(MeanAccuracy(g.Hybrid[h1]), MeanAccuracy(g.Hybrid[h2]))
		minWidth := math.MaxInt
		for _, r := range g.Filter[l1] {
			if r != nil {
				for _, w := range r.Metrics.Widths {
					minWidth = min(minWidth, w)
				}
			}
		}
		v := Verdict{Claim: fmt.Sprintf("with output L1 %s, l1-out stays within a few points of the hybrid metrics", reading),
			Paper: "Fig. 8: l1-out close to hybrid 1 and 2", Status: "open"}
		if math.IsNaN(a) || math.IsNaN(best) {
			v.Ours = "the grids are not complete"
			return v
		}
		v.Ours = fmt.Sprintf("mean hybrid accuracy %s %.4f vs best hybrid metric %.4f; narrowest conv layer %d filters", l1, a, best, minWidth)
		v.Status = status(best-a <= 0.02 && minWidth > 1, true)
		return v
	}
	return []Verdict{
		check(avg, "l1-out", "hybrid1", "hybrid2", "averaged (the paper's text)"),
		check(sum, "l1-out-sum", "hybrid1-sum", "hybrid2-sum", "summed"),
	}
}

// OrderVerdicts checks section 5.3's claim on a sweep with the reversed order: per metric, the
// reversed hybrid pruning "performs similarly to the original", read as every ratio within one
// accuracy point (0.01) of the normal order's hybrid point.
func OrderVerdicts(g Grid) []Verdict {
	var out []Verdict
	for _, m := range g.Sweep.Metrics {
		worst, n, better := 0.0, 0, 0
		for i := range g.Sweep.Ratios {
			h, r := Accuracy(g.Hybrid[m][i]), Accuracy(g.Reversed[m][i])
			if h != h || r != r { // NaN: missing
				continue
			}
			n++
			if r > h {
				better++
			}
			worst = max(worst, math.Abs(r-h))
		}
		ours := fmt.Sprintf("largest gap %.4f over %d ratios; reversed higher at %d", worst, n, better)
		out = append(out, Verdict{Claim: m + ": the reversed order performs similarly to the original (within 0.01)",
			Paper: "similar; sometimes higher, by a small margin", Ours: ours, Status: status(worst <= 0.01, n == len(g.Sweep.Ratios))})
	}
	return out
}

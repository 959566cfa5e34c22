package experiment

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// KNoise is the accuracy margin below which two points of a k sweep count as equal (the spread of
// one-epoch retraining on CIFAR-10 between neighbouring ratios is of this order).
const KNoise = 0.005

// KVerdicts checks section 5.4's claims on the hybrid accuracy at the remaining ratio (0.4 in
// the paper's Figs. 17-19) of a k sweep's grids (CollectKs): "the best k is 0.9 with 62.6%
// accuracy in CIFAR-10" (AlexNet) and "the maximum accuracy does not appear at either endpoint,
// k = 0 or 1". A maximum counts as interior only when it beats both endpoints by more than KNoise.
func KVerdicts(grids []Grid, ratio float64) []Verdict {
	grids = slices.Clone(grids)
	slices.SortStableFunc(grids, func(a, b Grid) int { return cmp.Compare(a.Sweep.K, b.Sweep.K) })
	best := Verdict{Claim: fmt.Sprintf("the best k at %.1f remaining is 0.9", ratio), Paper: "k = 0.9, 62.6% (AlexNet / CIFAR-10)", Status: "open", Ours: "-"}
	inner := Verdict{Claim: "the best k is not an endpoint (k = 0: u alone, k = 1: v alone)", Paper: "never at k = 0 or 1 (Figs. 17-19)", Status: "open", Ours: "-"}
	if len(grids) < 3 || grids[0].Sweep.K != 0 || grids[len(grids)-1].Sweep.K != 1 {
		return []Verdict{best, inner}
	}
	idx := slices.Index(grids[0].Sweep.Ratios, ratio)
	if idx < 0 {
		return []Verdict{best, inner}
	}
	var bests, inners []string
	allHigh, allInner, known := true, true, true
	for _, m := range grids[0].Sweep.Metrics {
		accs := make([]float64, len(grids))
		ib := 0
		for i, g := range grids {
			accs[i] = math.NaN()
			if rows := g.Hybrid[m]; idx < len(rows) {
				accs[i] = Accuracy(rows[idx])
			}
			if math.IsNaN(accs[i]) {
				known = false
			}
			if accs[i] > accs[ib] {
				ib = i
			}
		}
		if !known {
			break
		}
		kb := grids[ib].Sweep.K
		bests = append(bests, fmt.Sprintf("%s: k = %g (%.4f)", m, kb, accs[ib]))
		allHigh = allHigh && kb >= 0.75 && kb < 1 // the grid points nearest 0.9; k = 1 is v alone
		margin := accs[ib] - max(accs[0], accs[len(accs)-1])
		interior := ib > 0 && ib < len(accs)-1 && margin > KNoise
		allInner = allInner && interior
		inners = append(inners, fmt.Sprintf("%s: best k = %g, %.4f above the better endpoint", m, kb, margin))
	}
	if known {
		var ks []string
		for _, g := range grids {
			ks = append(ks, fmt.Sprintf("%g", g.Sweep.K))
		}
		best.Ours = strings.Join(bests, "; ") + " (k in " + strings.Join(ks, ", ") + ")"
		best.Status = status(allHigh, true)
		inner.Ours = strings.Join(inners, "; ")
		inner.Status = status(allInner, true)
	}
	return []Verdict{best, inner}
}

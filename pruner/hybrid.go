package pruner

import "fmt"

// Mix is the linear combination of eq. 8, h = (1-k)u + kv, filter by filter. k = 0 returns u and
// k = 1 returns v exactly (so a +Inf in the unused operand cannot turn into NaN).
func Mix(u, v Scores, k float64) (Scores, error) {
	if err := CheckK(k); err != nil {
		return nil, err
	}
	if len(u) != len(v) {
		return nil, fmt.Errorf("mix: %d layers vs %d", len(u), len(v))
	}
	out := make(Scores, len(u))
	for i := range u {
		if len(u[i]) != len(v[i]) {
			return nil, fmt.Errorf("mix: layer %d has %d vs %d filters", i, len(u[i]), len(v[i]))
		}
		out[i] = make([]float64, len(u[i]))
		for j := range u[i] {
			switch k {
			case 0:
				out[i][j] = u[i][j]
			case 1:
				out[i][j] = v[i][j]
			default:
				out[i][j] = (1-k)*u[i][j] + k*v[i][j]
			}
		}
	}
	return out, nil
}

// HybridMetric combines two metrics as in section 4.3: h = (1-K)·TU(U) + K·TV(V), with K taken from
// the Input. U measures importance for filter pruning, V importance under N:M pruning; TU and TV
// are transforms (nil means Identity).
type HybridMetric struct {
	U, V   Metric
	TU, TV Transform
}

// Score implements Metric.
func (h HybridMetric) Score(in *Input) (Scores, error) {
	if h.U == nil || h.V == nil {
		return nil, fmt.Errorf("hybrid metric: missing u or v")
	}
	u, err := h.U.Score(in)
	if err != nil {
		return nil, fmt.Errorf("hybrid u: %w", err)
	}
	v, err := h.V.Score(in)
	if err != nil {
		return nil, fmt.Errorf("hybrid v: %w", err)
	}
	tu, tv := h.TU, h.TV
	if tu == nil {
		tu = Identity
	}
	if tv == nil {
		tv = Identity
	}
	if u, err = tu(u); err != nil {
		return nil, fmt.Errorf("hybrid u: %w", err)
	}
	if v, err = tv(v); err != nil {
		return nil, fmt.Errorf("hybrid v: %w", err)
	}
	return Mix(u, v, in.K)
}

// Hybrid1 is the paper's first hybrid metric (section 4.4): mix(rank(output L1), rank(preservation)).
func Hybrid1() Metric {
	return HybridMetric{U: OutputL1Metric, TU: Rank, V: PreservationMetric, TV: Rank}
}

// Hybrid2 is the paper's second hybrid metric (section 4.4): mix(sqdist(output L1), preservation).
func Hybrid2() Metric {
	return HybridMetric{U: OutputL1Metric, TU: SqDistToMin, V: PreservationMetric, TV: Identity}
}

// Hybrid1Sum is Hybrid1 with eq. 3's output L1 summed over the consumer's kernel instead of
// averaged ("l1-out-sum"): the reading under which section 4.4's "u dictates most filters" holds.
func Hybrid1Sum() Metric {
	return HybridMetric{U: OutputL1SumMetric, TU: Rank, V: PreservationMetric, TV: Rank}
}

// Hybrid2Sum is Hybrid2 with the summed output L1 (see Hybrid1Sum).
func Hybrid2Sum() Metric {
	return HybridMetric{U: OutputL1SumMetric, TU: SqDistToMin, V: PreservationMetric, TV: Identity}
}

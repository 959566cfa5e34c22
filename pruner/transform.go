package pruner

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Transform maps the scores of all filters of all layers to new scores. The paper's non-linear
// transforms (section 4.3) are global: each value depends on every filter's score.
type Transform func(Scores) (Scores, error)

// Identity returns a copy of the scores.
func Identity(s Scores) (Scores, error) {
	if err := s.checkNaN(); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	return s.Clone(), nil
}

// Rank replaces every score by its rank 1..N in ascending order over all filters of all layers
// (section 4.3: the index in the ascending sort, so the largest score gets rank N). Ties keep
// network order (the earlier layer/filter gets the lower rank), so the ranks are a permutation of
// 1..N as the paper requires.
func Rank(s Scores) (Scores, error) {
	if err := s.checkNaN(); err != nil {
		return nil, fmt.Errorf("rank: %w", err)
	}
	flat := s.Flat()
	idx := make([]int, len(flat))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return flat[idx[a]] < flat[idx[b]] })
	ranks := make([]float64, len(flat))
	for r, i := range idx {
		ranks[i] = float64(r + 1)
	}
	return s.reshape(ranks), nil
}

// SqDistToMin is the square of distance-to-minimum (eq. 9): s_i = (m_i - m*)^2 with m* the minimum
// over all filters of all layers. Values equal to m* map to 0 (so +Inf scores stay +Inf unless
// every score is +Inf).
func SqDistToMin(s Scores) (Scores, error) {
	if err := s.checkNaN(); err != nil {
		return nil, fmt.Errorf("square of distance to minimum: %w", err)
	}
	flat := s.Flat()
	minV := math.Inf(1)
	for _, v := range flat {
		minV = math.Min(minV, v)
	}
	out := make([]float64, len(flat))
	for i, v := range flat {
		if v != minV {
			d := v - minV
			out[i] = d * d
		}
	}
	return s.reshape(out), nil
}

// ParseTransform returns the transform named "identity" (also "" and "none"), "rank" or "sqdist"
// (also "sqdist-min").
func ParseTransform(name string) (Transform, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "identity", "none":
		return Identity, nil
	case "rank":
		return Rank, nil
	case "sqdist", "sqdist-min":
		return SqDistToMin, nil
	}
	return nil, fmt.Errorf("unknown transform %q (want identity, rank or sqdist)", name)
}

package pruner

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/hybridprune/hybridprune/nets"
)

// channelSearch is the local search over one consumer weight: a[c] holds |w[o, c, y, x]| of
// channel c for all rows r = (o, y, x), and the kept magnitude is the sum over groups of M
// channels and rows of the N largest values.
type channelSearch struct {
	n, m, rows, ng int
	a              [][]float32
	perm           []int     // perm[j]: the old channel at new position j
	gval           []float64 // kept magnitude of each group
	buf            []float32
	// The best swap of every pair of groups g1 < g2 (cache[g1*ng+g2]), valid unless one of the
	// two groups is dirty.
	cache []swapGain
	dirty []bool
	// 2:4 only: for group g and member i, remA[g*4+i] is the sum over rows of the largest of the
	// three other members and remB[g*4+i][r] the second largest at row r. Replacing member i by
	// a channel y then keeps remA + sum_r max(remB[r], y[r]) (the two largest of a >= b and y are
	// a + max(b, y)).
	remA []float64
	remB [][]float32
}

func newChannelSearch(w *nets.Tensor, p Pattern) *channelSearch {
	out, in := w.Shape[0], w.Shape[1]
	k2 := len(w.Data) / (out * in)
	ng := in / p.M
	s := &channelSearch{n: p.N, m: p.M, rows: out * k2, ng: ng, a: make([][]float32, in), perm: iota(in),
		buf: make([]float32, p.M), gval: make([]float64, ng), cache: make([]swapGain, ng*ng), dirty: make([]bool, ng)}
	for c := range in {
		col := make([]float32, s.rows)
		for o := range out {
			src := w.Data[(o*in+c)*k2 : (o*in+c+1)*k2]
			for j, v := range src {
				col[o*k2+j] = float32(math.Abs(float64(v)))
			}
		}
		s.a[c] = col
	}
	if s.fast() {
		s.remA = make([]float64, 4*ng)
		s.remB = make([][]float32, 4*ng)
		for i := range s.remB {
			s.remB[i] = make([]float32, s.rows)
		}
	}
	s.refresh()
	return s
}

func (s *channelSearch) fast() bool { return s.n == 2 && s.m == 4 }

// groupValue is the kept magnitude of the group of channels chs.
func (s *channelSearch) groupValue(chs []int) float64 {
	if s.fast() {
		a, b, c, d := s.a[chs[0]], s.a[chs[1]], s.a[chs[2]], s.a[chs[3]]
		var sum float64
		for r := range s.rows {
			sum += float64(top2of4(a[r], b[r], c[r], d[r]))
		}
		return sum
	}
	var sum float64
	v := s.buf
	for r := range s.rows {
		for i, c := range chs {
			v[i] = s.a[c][r]
		}
		// Partial selection sort of the N largest.
		for i := 0; i < s.n; i++ {
			best := i
			for j := i + 1; j < s.m; j++ {
				if v[j] > v[best] {
					best = j
				}
			}
			v[i], v[best] = v[best], v[i]
			sum += float64(v[i])
		}
	}
	return sum
}

// top2of4 is the sum of the two largest of four non-negative values.
func top2of4(a, b, c, d float32) float32 {
	hi1, lo1 := max(a, b), min(a, b)
	hi2, lo2 := max(c, d), min(c, d)
	// The largest is max(hi1, hi2); the second the larger of the other hi and the lo beside it.
	if hi1 >= hi2 {
		return hi1 + max(hi2, lo1)
	}
	return hi2 + max(hi1, lo2)
}

func (s *channelSearch) group(g int) []int { return s.perm[g*s.m : (g+1)*s.m] }

func (s *channelSearch) total() float64 {
	var t float64
	for _, v := range s.gval {
		t += v
	}
	return t
}

// update recomputes group g's value (and, for 2:4, its removal tables) and marks it dirty.
func (s *channelSearch) update(g int) {
	s.dirty[g] = true
	chs := s.group(g)
	s.gval[g] = s.groupValue(chs)
	if !s.fast() {
		return
	}
	cols := [4][]float32{s.a[chs[0]], s.a[chs[1]], s.a[chs[2]], s.a[chs[3]]}
	for i := range 4 {
		x, y, z := cols[(i+1)%4], cols[(i+2)%4], cols[(i+3)%4]
		b := s.remB[g*4+i]
		var sa float64
		for r := range s.rows {
			p, q, t := x[r], y[r], z[r]
			hi, lo := max(p, q), min(p, q)
			// Largest of three: max(hi, t); second: max(lo, min(hi, t)).
			sa += float64(max(hi, t))
			b[r] = max(lo, min(hi, t))
		}
		s.remA[g*4+i] = sa
	}
}

func (s *channelSearch) refresh() {
	for g := range s.ng {
		s.update(g)
	}
}

// swapGain is the best swap of a channel of group g1 with one of g2: positions i, j within the
// groups and the gain in kept magnitude (i < 0: no improving swap).
type swapGain struct {
	g1, g2, i, j int
	gain         float64
}

func (s *channelSearch) bestSwap(g1, g2 int, x, y []int) swapGain {
	best := swapGain{g1: g1, g2: g2, i: -1}
	base := s.gval[g1] + s.gval[g2]
	for i := range s.m {
		for j := range s.m {
			var v1, v2 float64
			if s.fast() {
				v1 = s.remA[g1*4+i] + sumMax(s.remB[g1*4+i], s.a[s.perm[g2*4+j]])
				v2 = s.remA[g2*4+j] + sumMax(s.remB[g2*4+j], s.a[s.perm[g1*4+i]])
			} else {
				copy(x, s.group(g1))
				copy(y, s.group(g2))
				x[i], y[j] = y[j], x[i]
				v1, v2 = s.groupValue(x), s.groupValue(y)
			}
			// A relative threshold keeps rounding noise from cycling the search.
			if gain := v1 + v2 - base; gain > 1e-9*base && gain > best.gain {
				best = swapGain{g1: g1, g2: g2, i: i, j: j, gain: gain}
			}
		}
	}
	return best
}

// sumMax is sum_r max(b[r], y[r]), accumulated in float64.
func sumMax(b, y []float32) float64 {
	y = y[:len(b)]
	var s0, s1 float64
	r := 0
	for ; r+2 <= len(b); r += 2 {
		s0 += float64(max(b[r], y[r]))
		s1 += float64(max(b[r+1], y[r+1]))
	}
	if r < len(b) {
		s0 += float64(max(b[r], y[r]))
	}
	return s0 + s1
}

func (s *channelSearch) apply(sw swapGain) {
	a, b := sw.g1*s.m+sw.i, sw.g2*s.m+sw.j
	s.perm[a], s.perm[b] = s.perm[b], s.perm[a]
	s.update(sw.g1)
	s.update(sw.g2)
}

// localSearch runs greedy passes until no swap improves or maxPasses; it returns the swaps made.
// Best swaps are cached per pair of groups and recomputed only for pairs with a dirty group, on
// all CPUs (each pair's result lands in its own cache slot: the search stays deterministic).
func (s *channelSearch) localSearch(maxPasses int) int {
	ng := s.ng
	swaps := 0
	cands := make([]swapGain, 0, ng*ng/2)
	workers := max(1, min(runtime.GOMAXPROCS(0), ng-1))
	for range maxPasses {
		var wg sync.WaitGroup
		next := make(chan int, ng)
		for g1 := range ng {
			next <- g1
		}
		close(next)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x, y := make([]int, s.m), make([]int, s.m)
				for g1 := range next {
					for g2 := g1 + 1; g2 < ng; g2++ {
						if s.dirty[g1] || s.dirty[g2] {
							s.cache[g1*ng+g2] = s.bestSwap(g1, g2, x, y)
						}
					}
				}
			}()
		}
		wg.Wait()
		cands = cands[:0]
		for g1 := range ng {
			for g2 := g1 + 1; g2 < ng; g2++ {
				if c := s.cache[g1*ng+g2]; c.i >= 0 {
					cands = append(cands, c)
				}
			}
		}
		clear(s.dirty)
		if len(cands) == 0 {
			break
		}
		// Decreasing gain; ties by pair, so the search is deterministic.
		slices.SortStableFunc(cands, func(a, b swapGain) int {
			switch {
			case a.gain > b.gain:
				return -1
			case a.gain < b.gain:
				return 1
			}
			return 0
		})
		for _, c := range cands {
			if s.dirty[c.g1] || s.dirty[c.g2] {
				continue
			}
			s.apply(c)
			swaps++
		}
	}
	return swaps
}

// searchChannelPerm returns the permutation found for one consumer weight (channels a multiple of
// M, at least two groups) and the number of swaps applied to reach it.
func searchChannelPerm(w *nets.Tensor, cfg PermuteConfig, rng *rand.Rand) ([]int, int) {
	s := newChannelSearch(w, cfg.Pattern)
	identity := s.total()
	if cfg.Sorted {
		s.perm = sortedStart(s.a, cfg.Pattern.M)
		s.refresh()
	}
	swaps := s.localSearch(cfg.MaxPasses)
	best, bestVal := slices.Clone(s.perm), s.total()
	for range cfg.Escapes {
		g1 := rng.IntN(s.ng)
		g2 := rng.IntN(s.ng - 1)
		if g2 >= g1 {
			g2++
		}
		s.apply(swapGain{g1: g1, g2: g2, i: rng.IntN(s.m), j: rng.IntN(s.m)})
		n := 1 + s.localSearch(cfg.MaxPasses)
		if v := s.total(); v > bestVal*(1+1e-12) {
			best, bestVal = slices.Clone(s.perm), v
			swaps += n
			continue
		}
		// Back to the best permutation: only the groups that changed are recomputed.
		for g := range s.ng {
			if !slices.Equal(s.group(g), best[g*s.m:(g+1)*s.m]) {
				copy(s.group(g), best[g*s.m:(g+1)*s.m])
				s.update(g)
			}
		}
	}
	if bestVal < identity {
		return iota(len(s.perm)), 0
	}
	return best, swaps
}

// sortedStart deals the channels, in decreasing order of L1 norm, round-robin into the groups.
func sortedStart(a [][]float32, m int) []int {
	norms := make([]float64, len(a))
	for c, col := range a {
		for _, v := range col {
			norms[c] += float64(v)
		}
	}
	order := iota(len(a))
	slices.SortStableFunc(order, func(x, y int) int {
		switch {
		case norms[x] > norms[y]:
			return -1
		case norms[x] < norms[y]:
			return 1
		}
		return 0
	})
	ng := len(a) / m
	perm := make([]int, len(a))
	for k, c := range order {
		perm[(k%ng)*m+k/ng] = c
	}
	return perm
}

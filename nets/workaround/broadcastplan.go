package workaround

import "github.com/hybridprune/hybridprune/gemm"

// broadcastPlan is how an operand of dims small (at full's rank, each axis 1 or full's size)
// broadcasts to dims full, with full's unit axes dropped and neighbouring axes of the same kind
// merged: along axis i of dims the operand either runs with the output (kept[i]) or repeats.
// A per-channel value over [C, H, W, N] is {C kept, H*W*N repeated}; a max-pooling window's
// maximum over [C, H/2, 2, W/2, 2, N] is {C*H/2 kept, 2 repeated, W/2 kept, 2 repeated, N kept}.
type broadcastPlan struct {
	dims []int
	kept []bool
}

// newBroadcastPlan returns the plan of small broadcast to full, or false when small is not a
// broadcast operand of full (another rank, an axis neither 1 nor full's size) or repeats along
// no axis (it is full itself).
func newBroadcastPlan(small, full []int) (broadcastPlan, bool) {
	var p broadcastPlan
	if len(small) != len(full) {
		return p, false
	}
	repeats := false
	for ax, d := range full {
		if d == 1 {
			continue
		}
		kept := small[ax] == d
		if !kept && small[ax] != 1 {
			return p, false
		}
		repeats = repeats || !kept
		if n := len(p.dims); n > 0 && p.kept[n-1] == kept {
			p.dims[n-1] *= d
			continue
		}
		p.dims, p.kept = append(p.dims, d), append(p.kept, kept)
	}
	return p, repeats
}

// rows returns the number of output rows (all axes but the last) and the row length.
func (p broadcastPlan) rows() (rows, inner int) {
	rows = 1
	for _, d := range p.dims[:len(p.dims)-1] {
		rows *= d
	}
	return rows, p.dims[len(p.dims)-1]
}

// forRows calls fn(r, off) for output rows r in [lo, hi), where off is the offset in the
// operand of the row's first value, walking the row index as an odometer.
func (p broadcastPlan) forRows(lo, hi int, fn func(r, off int)) {
	axes := len(p.dims) - 1
	if axes == 0 {
		for r := lo; r < hi; r++ {
			fn(r, 0)
		}
		return
	}
	// stride[i]: the operand's step along axis i (0 where it repeats); idx: the odometer.
	stride, idx := make([]int, axes), make([]int, axes)
	s := 1
	if p.kept[axes] {
		s = p.dims[axes]
	}
	for i := axes - 1; i >= 0; i-- {
		if p.kept[i] {
			stride[i] = s
			s *= p.dims[i]
		}
	}
	off, rem := 0, lo
	for i := axes - 1; i >= 0; i-- {
		idx[i] = rem % p.dims[i]
		rem /= p.dims[i]
		off += idx[i] * stride[i]
	}
	for r := lo; r < hi; r++ {
		fn(r, off)
		for i := axes - 1; i >= 0; i-- {
			idx[i]++
			off += stride[i]
			if idx[i] < p.dims[i] {
				break
			}
			off -= idx[i] * stride[i]
			idx[i] = 0
		}
	}
}

// parallelRows splits the output rows across the gemm threads when the output has at least
// 1<<18 values.
func (p broadcastPlan) parallelRows(size int, fn func(r, off int)) {
	rows, _ := p.rows()
	workers := 1
	if size >= 1<<18 {
		workers = min(gemm.Threads(), rows)
	}
	gemm.Parallel(workers, func(w int) { p.forRows(w*rows/workers, (w+1)*rows/workers, fn) })
}

// apply computes dst = full op small (smallLeft: small op full) row by row; dst may be full.
func (p broadcastPlan) apply(op binaryOp, dst, full, small []float32, smallLeft bool) {
	_, inner := p.rows()
	rowKept := p.kept[len(p.kept)-1]
	p.parallelRows(len(dst), func(r, off int) {
		d, x := dst[r*inner:(r+1)*inner], full[r*inner:(r+1)*inner]
		if rowKept {
			vecVec(op, d, x, small[off:off+inner], smallLeft)
		} else {
			vecScalar(op, d, x, small[off], smallLeft)
		}
	})
}

// fill writes out = src broadcast to the plan's output, row by row.
func (p broadcastPlan) fill(out, src []float32) {
	_, inner := p.rows()
	rowKept := p.kept[len(p.kept)-1]
	p.parallelRows(len(out), func(r, off int) {
		d := out[r*inner : (r+1)*inner]
		if rowKept {
			copy(d, src[off:off+inner])
			return
		}
		v := src[off]
		for i := range d {
			d[i] = v
		}
	})
}

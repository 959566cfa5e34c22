package engine

import (
	"fmt"

	"github.com/hybridprune/hybridprune/nets"
)

// Residual networks. Steps normally ping-pong between the workspace's two
// activation buffers, so a layer output that a later layer reads out of order
// (nets.Spec.Referenced: a block input read by a shortcut conv's Input or an
// add's From) is copied into a slot of its own right after the step that
// produces it. A layer with Input starts a step that first copies its slot
// back into an activation buffer; an add sums a slot into the running
// activation in place, with a following ReLU fused. Slots are shared by
// outputs whose lifetimes do not overlap (an output is dead after its last
// reader), so ResNet-18 needs two.

// slotPlan assigns slots to the referenced layers of a spec.
type slotPlan struct {
	of    map[int]int // layer index -> slot
	sizes []int       // per-image floats of each slot
}

// newSlotPlan gives every referenced layer a slot, reusing a slot whose
// previous owner has no reader after the new owner.
func newSlotPlan(spec *nets.Spec, shapes []nets.Shape) slotPlan {
	ref := spec.Referenced()
	last := make([]int, len(spec.Layers)) // last reader of layer i's output via Input/From
	for i, l := range spec.Layers {
		for _, name := range []string{l.Input, l.From} {
			if j := spec.Index(name); name != "" && j >= 0 {
				last[j] = max(last[j], i)
			}
		}
	}
	p := slotPlan{of: map[int]int{}}
	var owner []int
	for i := range spec.Layers {
		if !ref[i] {
			continue
		}
		slot := -1
		for s, o := range owner {
			if last[o] <= i {
				slot = s
				break
			}
		}
		if slot < 0 {
			slot = len(owner)
			owner = append(owner, i)
			p.sizes = append(p.sizes, 0)
		}
		owner[slot] = i
		p.sizes[slot] = max(p.sizes[slot], shapes[i].Size())
		p.of[i] = slot
	}
	return p
}

// alloc returns the slots of one workspace at batch size n.
func (p slotPlan) alloc(n int) [][]float32 {
	out := make([][]float32, len(p.sizes))
	for i, s := range p.sizes {
		out[i] = make([]float32, s*n)
	}
	return out
}

// fusable reports whether layer j may be folded or fused into the step that
// starts at layer i: it reads the previous layer (no Input) and no layer in
// [i, j) has an output that must be kept.
func fusable(spec *nets.Spec, ref []bool, i, j int) bool {
	if j >= len(spec.Layers) || spec.Layers[j].Input != "" {
		return false
	}
	for k := i; k < j; k++ {
		if ref[k] {
			return false
		}
	}
	return true
}

// saveStep copies the activation into a slot; the activation is unchanged.
type saveStep struct{ slot int }

func (s saveStep) run(ws *workspace, src []float32, _ int) ([]float32, error) {
	copy(ws.saved[s.slot][:len(src)], src)
	return src, nil
}

// loadStep replaces the activation with a slot's content (size values per
// image), copied into the free activation buffer so in-place steps may follow.
type loadStep struct{ slot, size int }

func (s loadStep) run(ws *workspace, src []float32, n int) ([]float32, error) {
	dst := ws.other(src)[:s.size*n]
	copy(dst, ws.saved[s.slot][:len(dst)])
	return dst, nil
}

// addStep adds a slot to the activation in place (a residual addition),
// optionally followed by ReLU.
type addStep struct {
	name string
	slot int
	relu bool
}

func (s *addStep) run(ws *workspace, src []float32, _ int) ([]float32, error) {
	other := ws.saved[s.slot]
	if len(other) < len(src) {
		return nil, fmt.Errorf("layer %q: operand slot holds %d values, want %d", s.name, len(other), len(src))
	}
	parallelFor(len(src), func(lo, hi int) {
		a, b := src[lo:hi], other[lo:hi]
		if s.relu {
			for i := range a {
				a[i] = max(a[i]+b[i], 0)
			}
			return
		}
		for i := range a {
			a[i] += b[i]
		}
	})
	return src, nil
}

// gapStep is a global average pool: [C x (h*w*n)] -> [C x n].
type gapStep struct{ c, hw int }

func (s *gapStep) run(ws *workspace, src []float32, n int) ([]float32, error) {
	dst := ws.other(src)[:s.c*n]
	inv := 1 / float32(s.hw)
	parallelFor(s.c, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			out := dst[c*n : (c+1)*n]
			clear(out)
			for p := range s.hw {
				for b, v := range src[(c*s.hw+p)*n : (c*s.hw+p+1)*n] {
					out[b] += v
				}
			}
			for b := range out {
				out[b] *= inv
			}
		}
	})
	return dst, nil
}

package workaround

import (
	"slices"
	"testing"
)

// TestBroadcastPlan checks the merged axes of hand-worked broadcasts and the operand offset of
// every row, walked from any starting row, against the offsets computed directly.
func TestBroadcastPlan(t *testing.T) {
	cases := []struct {
		small, full []int
		dims        []int
		kept        []bool
		offs        []int // the operand offset of each output row
	}{
		{[]int{64, 16, 1, 16, 1, 8}, []int{64, 16, 2, 16, 2, 8}, []int{1024, 2, 16, 2, 8}, []bool{true, false, true, false, true}, nil},
		{[]int{2, 1, 3}, []int{2, 4, 3}, []int{2, 4, 3}, []bool{true, false, true}, []int{0, 0, 0, 0, 3, 3, 3, 3}},
		{[]int{2, 1, 1}, []int{2, 1, 4}, []int{2, 4}, []bool{true, false}, []int{0, 1}},
		{[]int{1, 3, 1}, []int{2, 3, 2}, []int{2, 3, 2}, []bool{false, true, false}, []int{0, 1, 2, 0, 1, 2}},
		{[]int{1, 1}, []int{1, 5}, []int{5}, []bool{false}, []int{0}},
	}
	for _, c := range cases {
		p, ok := newBroadcastPlan(c.small, c.full)
		if !ok || !slices.Equal(p.dims, c.dims) || !slices.Equal(p.kept, c.kept) {
			t.Errorf("%v -> %v: plan %v %v (ok %v), want %v %v", c.small, c.full, p.dims, p.kept, ok, c.dims, c.kept)
			continue
		}
		if c.offs == nil {
			continue
		}
		rows, _ := p.rows()
		for lo := range rows {
			var got []int
			p.forRows(lo, rows, func(r, off int) { got = append(got, off) })
			if !slices.Equal(got, c.offs[lo:]) {
				t.Errorf("%v -> %v rows from %d: offsets %v, want %v", c.small, c.full, lo, got, c.offs[lo:])
			}
		}
	}
	for _, bad := range [][2][]int{{{2, 3}, {2, 3}}, {{2, 2}, {2, 3}}, {{2}, {2, 3}}, {{1, 1}, {1, 1}}} {
		if _, ok := newBroadcastPlan(bad[0], bad[1]); ok {
			t.Errorf("%v -> %v: accepted, want rejected (no repeat, mismatched axis or rank)", bad[0], bad[1])
		}
	}
}

package engine

import (
	"slices"
	"testing"
)

// TestSideBySide checks the assignment of padding regions to workers on hand-worked loads:
// each region has one output position and len(r.rows) K rows, so its multiply-adds per image
// are its row count.
func TestSideBySide(t *testing.T) {
	for _, c := range []struct {
		macs    []int
		threads int
		owner   []int // nil: one after another
	}{
		{[]int{4, 4, 4, 4}, 2, []int{0, 1, 0, 1}},
		{[]int{3, 2, 3, 2}, 2, []int{0, 0, 1, 1}}, // largest first to the least loaded: regions 0, 2, then 1, 3; 5 and 5
		{[]int{4, 4, 4, 4}, 4, []int{0, 1, 2, 3}},
		{[]int{4, 4, 4, 4}, 3, nil}, // 8 against an even share of 5.3
		{[]int{9, 1, 1, 1}, 2, nil}, // 9 against 6
		{[]int{4, 4}, 8, []int{0, 1}},
		{[]int{4, 4, 4, 4}, 1, nil},
		{[]int{4}, 2, nil},
	} {
		s := &convStep{}
		for _, m := range c.macs {
			s.regions = append(s.regions, convRegion{oy1: 1, ox1: 1, rows: make([]int32, m)})
		}
		owner, workers := s.sideBySide(c.threads)
		if c.owner == nil {
			if workers != 0 {
				t.Errorf("macs %v on %d threads: side by side %v, want one after another", c.macs, c.threads, owner)
			}
			continue
		}
		if want := slices.Max(c.owner) + 1; workers != want || !slices.Equal(owner, c.owner) {
			t.Errorf("macs %v on %d threads: owners %v on %d workers, want %v on %d", c.macs, c.threads, owner, workers, c.owner, want)
		}
	}
}

package sparse

import (
	"slices"
	"testing"

	"github.com/hybridprune/hybridprune/gemm/gemmtest"
	"github.com/hybridprune/hybridprune/internal/testmat"
	"github.com/hybridprune/hybridprune/layout"
)

func TestConvPerm(t *testing.T) {
	g := layout.Conv{InC: 3, Kernel: 2}
	// Width order column of (c,y,x) is c*4+y*2+x; channels order is (y*2+x)*3+c.
	perm, err := g.Perm(OrderWidth, OrderChannels)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}
	if !slices.Equal(perm, want) {
		t.Fatalf("perm = %v, want %v", perm, want)
	}
	back, _ := g.Perm(OrderChannels, OrderWidth)
	for j := range perm {
		if perm[back[j]] != j {
			t.Fatalf("Perm(channels->width) is not the inverse at %d", j)
		}
	}
	if id, _ := g.Perm(OrderWidth, OrderWidth); !slices.Equal(id, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Fatalf("identity perm = %v", id)
	}
	if _, err := (layout.Conv{InC: 0, Kernel: 3}).Perm(OrderWidth, OrderChannels); err == nil {
		t.Fatal("zero geometry accepted")
	}
}

// TestPermutedProduct checks the engine contract: permuting the weight
// columns and the im2col rows with the same permutation leaves C unchanged,
// so a 2:4 matrix pruned in channels order multiplies a channels-order B.
func TestPermutedProduct(t *testing.T) {
	g := layout.Conv{InC: 8, Kernel: 3}
	m, n, k := 10, 37, g.K()
	w, b := testmat.RandMatrix(m*k, 1), testmat.RandMatrix(k*n, 2)
	perm, _ := g.Perm(OrderWidth, OrderChannels)
	wc, err := PermuteColumns(w, m, perm)
	if err != nil {
		t.Fatal(err)
	}
	testmat.PruneNM(wc, m, k, 2, 4)
	nm, err := CompressNM(wc, m, k, 2, 4, OrderChannels)
	if err != nil {
		t.Fatal(err)
	}
	// B rows in channels order: row j of bc is row perm[j] of b.
	bc := make([]float32, k*n)
	for j, p := range perm {
		copy(bc[j*n:(j+1)*n], b[p*n:(p+1)*n])
	}
	got := testmat.Sentinel(m * n)
	if err := SpMMNM(nm, bc, n, got); err != nil {
		t.Fatal(err)
	}
	// Reference in width order: un-permute the pruned weights.
	inv, _ := g.Perm(OrderChannels, OrderWidth)
	ww, _ := PermuteColumns(wc, m, inv)
	gemmtest.CheckProduct(t, "permuted", ww, b, got, m, n, k)
}

func TestPermuteColumnsRejects(t *testing.T) {
	if _, err := PermuteColumns(make([]float32, 6), 2, []int{0, 0, 1}); err == nil {
		t.Fatal("non-permutation accepted")
	}
	if _, err := PermuteColumns(make([]float32, 5), 2, []int{0, 2, 1}); err == nil {
		t.Fatal("short input accepted")
	}
}

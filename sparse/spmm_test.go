package sparse

import (
	"fmt"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
	"github.com/hybridprune/hybridprune/internal/testmat"
)

func TestSpMMNM(t *testing.T) {
	patterns := [][2]int{{2, 4}, {1, 4}, {4, 8}, {1, 2}, {3, 7}, {8, 16}}
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, pat := range patterns {
			for _, s := range gemmtest.Shapes {
				m, n, k := s[0], s[1], s[2]
				a := testmat.RandMatrix(m*k, uint64(k))
				testmat.PruneNM(a, m, k, pat[0], pat[1])
				for _, order := range []GroupOrder{OrderWidth, OrderChannels} {
					nm, err := CompressNM(a, m, k, pat[0], pat[1], order)
					if err != nil {
						t.Fatal(err)
					}
					b := testmat.RandMatrix(k*n, uint64(n))
					c := testmat.Sentinel(m * n)
					if err := SpMMNM(nm, b, n, c); err != nil {
						t.Fatal(err)
					}
					gemmtest.CheckProduct(t, fmt.Sprintf("%d:%d", pat[0], pat[1]), a, b, c, m, n, k)
				}
			}
		}
	})
}

func TestSpMMNMAllZero(t *testing.T) {
	m, n, k := 7, 65, 66
	nm, err := CompressNM(make([]float32, m*k), m, k, 2, 4, OrderWidth)
	if err != nil {
		t.Fatal(err)
	}
	c := testmat.Sentinel(m * n)
	if err := SpMMNM(nm, testmat.RandMatrix(k*n, 1), n, c); err != nil {
		t.Fatal(err)
	}
	for i, v := range c {
		if v != 0 {
			t.Fatalf("C[%d]=%v", i, v)
		}
	}
}

func TestSpMMCSR(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, density := range []float64{0, 0.05, 0.5, 1} {
			for _, s := range gemmtest.Shapes {
				m, n, k := s[0], s[1], s[2]
				a := testmat.RandMatrix(m*k, 11)
				testmat.RandSparse(a, density, 12)
				csr, err := CompressCSR(a, m, k)
				if err != nil {
					t.Fatal(err)
				}
				b := testmat.RandMatrix(k*n, 13)
				c := testmat.Sentinel(m * n)
				if err := SpMMCSR(csr, b, n, c); err != nil {
					t.Fatal(err)
				}
				gemmtest.CheckProduct(t, fmt.Sprintf("csr %.2f", density), a, b, c, m, n, k)
			}
		}
	})
}

func TestSpMMBSR(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, blk := range [][2]int{{1, 1}, {4, 4}, {3, 5}, {8, 1}} {
			for _, s := range gemmtest.Shapes {
				m, n, k := s[0], s[1], s[2]
				a := testmat.RandMatrix(m*k, 21)
				// Zero whole blocks at random to get a block pattern.
				mask := testmat.RandMatrix(gemm.CeilDiv(m, blk[0])*gemm.CeilDiv(k, blk[1]), 22)
				for i := range m {
					for j := range k {
						if mask[(i/blk[0])*gemm.CeilDiv(k, blk[1])+j/blk[1]] < 0 {
							a[i*k+j] = 0
						}
					}
				}
				bsr, err := CompressBSR(a, m, k, blk[0], blk[1])
				if err != nil {
					t.Fatal(err)
				}
				b := testmat.RandMatrix(k*n, 23)
				c := testmat.Sentinel(m * n)
				if err := SpMMBSR(bsr, b, n, c); err != nil {
					t.Fatal(err)
				}
				gemmtest.CheckProduct(t, fmt.Sprintf("bsr %v", blk), a, b, c, m, n, k)
			}
		}
	})
}

func TestSpMMVector(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, lp := range [][2]int{{16, 4}, {32, 8}, {100, 30}, {256, 1}, {4, 4}} {
			for _, s := range gemmtest.Shapes {
				m, n, k := s[0], s[1], s[2]
				a := testmat.RandMatrix(m*k, 31)
				testmat.PruneNM(a, m, k, lp[1], lp[0])
				v, err := CompressVector(a, m, k, lp[0], lp[1])
				if err != nil {
					t.Fatal(err)
				}
				b := testmat.RandMatrix(k*n, 32)
				c := testmat.Sentinel(m * n)
				if err := SpMMVector(v, b, n, c); err != nil {
					t.Fatal(err)
				}
				gemmtest.CheckProduct(t, fmt.Sprintf("vector %v", lp), a, b, c, m, n, k)
			}
		}
	})
}

func TestSpMMGroup(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, frac := range []float64{0, 0.1, 0.5, 1} {
			for _, s := range gemmtest.Shapes {
				m, n, k := s[0], s[1], s[2]
				a := testmat.RandMatrix(m*k, 41)
				testmat.PruneColumns(a, m, k, int(frac*float64(k)))
				g, err := CompressGroup(a, m, k)
				if err != nil {
					t.Fatal(err)
				}
				b := testmat.RandMatrix(k*n, 42)
				c := testmat.Sentinel(m * n)
				if err := SpMMGroup(g, b, n, c); err != nil {
					t.Fatal(err)
				}
				gemmtest.CheckProduct(t, fmt.Sprintf("group %.1f", frac), a, b, c, m, n, k)
			}
		}
	})
}

func TestPlanErrors(t *testing.T) {
	a := testmat.RandMatrix(6*8, 1)
	testmat.PruneNM(a, 6, 8, 2, 4)
	nm, _ := CompressNM(a, 6, 8, 2, 4, OrderWidth)
	p, err := NewNMPlan(nm)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.MatMul(make([]float32, 8*3-1), 3, make([]float32, 18)); err == nil {
		t.Fatal("short B accepted")
	}
	if err := p.MatMul(make([]float32, 8*3), 3, make([]float32, 17)); err == nil {
		t.Fatal("short C accepted")
	}
	nm.Meta[0] = 0xFFFFFFFF
	if _, err := NewNMPlan(nm); err == nil {
		t.Fatal("corrupt metadata accepted")
	}
}

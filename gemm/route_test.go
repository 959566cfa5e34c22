package gemm_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
	"github.com/hybridprune/hybridprune/internal/testmat"
)

// TestRoutesMatchCPU checks that every route the CPU supports is listed, and
// only those: a route listed on a CPU without its features would SIGILL.
func TestRoutesMatchCPU(t *testing.T) {
	if err := gemm.EnvError(); err != nil {
		t.Fatalf("$%s: %v", gemm.RouteEnv, err)
	}
	routes := gemm.Routes()
	t.Logf("routes usable here: %v (in use: %s)", routes, gemm.RouteName())
	if routes[len(routes)-1] != "go" {
		t.Errorf("portable route go must always be present, last: %v", routes)
	}
	want := map[string]bool{
		"asm-avx512": runtime.GOARCH == "amd64" && cpu.X86.HasAVX512F,
		"asm-avx2":   runtime.GOARCH == "amd64" && cpu.X86.HasAVX2 && cpu.X86.HasFMA,
		"asm-neon":   runtime.GOARCH == "arm64" && cpu.ARM64.HasASIMD,
	}
	for name, ok := range want {
		if slices.Contains(routes, name) != ok {
			t.Errorf("route %s listed=%v, CPU supports it=%v", name, !ok, ok)
		}
	}
	if os.Getenv(gemm.RouteEnv) == "" && gemm.RouteName() != routes[0] {
		t.Errorf("default route %s, want the fastest usable %s", gemm.RouteName(), routes[0])
	}
}

// TestSetRouteErrors checks that forcing a route this CPU cannot run, or an
// unknown one, is an error that names what is missing, and changes nothing.
func TestSetRouteErrors(t *testing.T) {
	before := gemm.RouteName()
	if _, err := gemm.SetRoute("no-such-route"); err == nil || !strings.Contains(err.Error(), "unknown kernel route") {
		t.Errorf("unknown route: err=%v", err)
	}
	if !cpu.X86.HasAVX512F {
		// Compiled in on amd64 (then it names the missing feature), absent elsewhere.
		want := "needs AVX-512F"
		if runtime.GOARCH != "amd64" {
			want = "unknown kernel route"
		}
		_, err := gemm.SetRoute("asm-avx512")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("asm-avx512 on a CPU without AVX-512F: err=%v, want it to say %q", err, want)
		}
	}
	if gemm.RouteName() != before {
		t.Errorf("a failed SetRoute changed the route from %s to %s", before, gemm.RouteName())
	}
}

// TestRouteEnvUnsupported runs a child test process with $HYBRIDPRUNE_KERNEL
// naming a route it cannot use: EnvError must say so and the default route
// stays, with no crash.
func TestRouteEnvUnsupported(t *testing.T) {
	if os.Getenv("GEMM_ENV_CHILD") == "1" {
		err := gemm.EnvError()
		if err == nil {
			t.Fatal("EnvError() = nil for a bogus route")
		}
		if gemm.RouteName() != gemm.Routes()[0] {
			t.Fatalf("route %s, want default %s", gemm.RouteName(), gemm.Routes()[0])
		}
		os.Stdout.WriteString("CHILD-ERR: " + err.Error() + "\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRouteEnvUnsupported$", "-test.v")
	cmd.Env = append(os.Environ(), "GEMM_ENV_CHILD=1", gemm.RouteEnv+"=asm-bogus")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) || !strings.Contains(string(out), "CHILD-ERR: gemm: unknown kernel route \"asm-bogus\"") {
		t.Fatalf("child: err=%v\n%s", err, out)
	}
}

// TestDenseMicroKernel compares each route's dense micro-kernel, called
// directly on packed panels, with the reference, with and without load.
func TestDenseMicroKernel(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		r := gemm.Current()
		for _, k := range []int{0, 1, 2, 7, 256} {
			a := testmat.RandMatrix(k*gemm.DenseRows, uint64(k)+1)
			b := testmat.RandMatrix(k*gemm.DenseCols, uint64(k)+2)
			ldc := gemm.DenseCols + 3
			c0 := testmat.RandMatrix(gemm.DenseRows*ldc, 9)
			for _, load := range []bool{false, true} {
				c := slices.Clone(c0)
				r.Dense(k, a, b, c, ldc, load)
				for i := range gemm.DenseRows {
					for j := range gemm.DenseCols {
						var s float64
						if load {
							s = float64(c0[i*ldc+j])
						}
						for p := range k {
							s += float64(a[p*gemm.DenseRows+i]) * float64(b[p*gemm.DenseCols+j])
						}
						if d := float64(c[i*ldc+j]) - s; !(math.Abs(d) <= 1e-4) { // NaN fails too
							t.Fatalf("k=%d load=%v C[%d,%d]=%g want %g", k, load, i, j, c[i*ldc+j], s)
						}
					}
					for j := gemm.DenseCols; j < ldc; j++ {
						if c[i*ldc+j] != c0[i*ldc+j] {
							t.Fatalf("k=%d wrote outside the tile at [%d,%d]", k, i, j)
						}
					}
				}
			}
		}
	})
}

// TestIndexMicroKernel compares each route's indexed micro-kernel over
// several tiles (uneven step counts, offsets at the panel's ends) with a
// direct evaluation of its definition.
func TestIndexMicroKernel(t *testing.T) {
	const rowsB = 64
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		r := gemm.Current()
		seg := []int{0, 0, 5, 6, 70}
		steps := seg[len(seg)-1]
		ntiles := len(seg) - 1
		vals := testmat.RandMatrix(steps*gemm.IndexRows, 3)
		offs := make([]uint16, steps*gemm.IndexRows)
		for i := range offs {
			row := (i * 37) % rowsB
			if i%11 == 0 {
				row = rowsB - 1
			}
			offs[i] = uint16(row * gemm.IndexStride / 2)
		}
		b := testmat.RandMatrix(rowsB*gemm.IndexStride, 4)
		ldc := gemm.IndexCols + 5
		c0 := testmat.RandMatrix(ntiles*gemm.IndexRows*ldc, 5)
		for _, load := range []bool{false, true} {
			c := slices.Clone(c0)
			r.IndexTiles(ntiles, seg, vals, offs, b, c, ldc, load)
			for tl := range ntiles {
				for i := range gemm.IndexRows {
					row := tl*gemm.IndexRows + i
					for x := range gemm.IndexCols {
						var s float64
						if load {
							s = float64(c0[row*ldc+x])
						}
						for j := seg[tl]; j < seg[tl+1]; j++ {
							e := j*gemm.IndexRows + i
							s += float64(vals[e]) * float64(b[int(offs[e])*2+x])
						}
						if d := float64(c[row*ldc+x]) - s; !(math.Abs(d) <= 1e-4) { // NaN fails too
							t.Fatalf("load=%v tile %d C[%d,%d]=%g want %g", load, tl, row, x, c[row*ldc+x], s)
						}
					}
				}
			}
		}
	})
}

// Micro-kernel benchmarks on L1/L2-resident operands, per route, for tuning
// tile shapes: GFLOP/s counts 2 flops per multiply-add.

func BenchmarkMicroDense(b *testing.B) {
	for _, name := range gemm.Routes() {
		b.Run(name, func(b *testing.B) {
			prev, _ := gemm.SetRoute(name)
			defer gemm.SetRoute(prev)
			r := gemm.Current()
			k := 256
			a, bb := testmat.RandMatrix(k*gemm.DenseRows, 1), testmat.RandMatrix(k*gemm.DenseCols, 2)
			c := make([]float32, gemm.DenseRows*gemm.DenseCols)
			for b.Loop() {
				r.Dense(k, a, bb, c, gemm.DenseCols, true)
			}
			b.ReportMetric(2*float64(k*gemm.DenseRows*gemm.DenseCols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkMicroIndex(b *testing.B) {
	// 128 tiles of 32 steps (a 2:4 block of 64 rows) over a 64-row panel, with two offset patterns:
	// "spread", the three rows of a step 7 panel rows apart (the older numbers in bench/README), and
	// "nm24", each row keeping 2 of every 4 panel rows in order, as a real 2:4 plan does (the three
	// rows of a step then read neighbouring panel rows).
	const ntiles, per, rowsB = 128, 32, 64
	n := ntiles * per * gemm.IndexRows
	spread := make([]uint16, n+gemm.OffsPad)[:n] // the padding the kernels' look-ahead reads

	for i := range spread {
		spread[i] = uint16((i * 7 % rowsB) * gemm.IndexStride / 2)
	}
	nm24 := make([]uint16, n+gemm.OffsPad)[:n]
	rng := rand.New(rand.NewPCG(5, 6))
	pairs := [6][2]int{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}
	for t := range ntiles {
		for r := range gemm.IndexRows {
			j := 0
			for g := range rowsB / 4 {
				for _, q := range pairs[rng.IntN(6)] {
					nm24[(t*per+j)*gemm.IndexRows+r] = uint16((g*4 + q) * gemm.IndexStride / 2)
					j++
				}
			}
		}
	}
	for _, name := range gemm.Routes() {
		for _, pat := range []struct {
			name string
			offs []uint16
		}{{"spread", spread}, {"nm24", nm24}} {
			b.Run(name+"/"+pat.name, func(b *testing.B) {
				prev, _ := gemm.SetRoute(name)
				defer gemm.SetRoute(prev)
				r := gemm.Current()
				seg := make([]int, ntiles+1)
				for i := range seg {
					seg[i] = i * per
				}
				vals := testmat.RandMatrix(ntiles*per*gemm.IndexRows, 3)
				panel := testmat.RandMatrix(rowsB*gemm.IndexStride, 2)
				c := make([]float32, ntiles*gemm.IndexRows*gemm.IndexCols)
				for b.Loop() {
					r.IndexTiles(ntiles, seg, vals, pat.offs, panel, c, gemm.IndexCols, true)
				}
				b.ReportMetric(2*float64(len(vals)*gemm.IndexCols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestIndexNarrowMatchesFull: on routes with narrow kernels, the first width columns of each tile
// equal those of the full kernel, with and without load, and nothing past them is written.
func TestIndexNarrowMatchesFull(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		r := gemm.Current()
		seg := []int{0, 3, 3, 40, 45}
		steps, ntiles := seg[len(seg)-1], len(seg)-1
		vals := testmat.RandMatrix(steps*gemm.IndexRows, 8)
		offs := make([]uint16, len(vals))
		for i := range offs {
			offs[i] = uint16((i * 13 % 64) * gemm.IndexStride / 2)
		}
		b := testmat.RandMatrix(64*gemm.IndexStride, 9)
		for _, width := range []int{8, 16, 32, 64, 96} {
			if r.NarrowWidth(width) != width {
				continue
			}
			ldc := width + 3
			c0 := testmat.RandMatrix(ntiles*gemm.IndexRows*gemm.IndexCols, 10)
			for _, load := range []bool{false, true} {
				full := slices.Clone(c0)
				r.IndexTiles(ntiles, seg, vals, offs, b, full, gemm.IndexCols, load)
				nar := make([]float32, ntiles*gemm.IndexRows*ldc)
				for i := range ntiles * gemm.IndexRows {
					copy(nar[i*ldc:i*ldc+ldc], c0[i*gemm.IndexCols:])
				}
				before := slices.Clone(nar)
				r.IndexTilesNarrow(width, ntiles, seg, vals, offs, b, nar, ldc, load)
				for i := range ntiles * gemm.IndexRows {
					for x := range ldc {
						got, want := nar[i*ldc+x], full[i*gemm.IndexCols+x]
						tol := 1e-5 * (1 + math.Abs(float64(want))) // the 8- and 16-column kernels sum partial sets
						if x >= width {
							want, tol = before[i*ldc+x], 0
						}
						if !(math.Abs(float64(got-want)) <= tol) { // NaN fails too
							t.Fatalf("width %d load %v row %d col %d: %g, want %g", width, load, i, x, got, want)
						}
					}
				}
			}
		}
	})
}

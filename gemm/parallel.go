package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var maxThreads atomic.Int64

// SetThreads sets how many goroutines a kernel call may use (n <= 0 means
// runtime.GOMAXPROCS(0), the default) and returns the previous setting.
func SetThreads(n int) int {
	if n < 0 {
		n = 0
	}
	return int(maxThreads.Swap(int64(n)))
}

// Threads returns the number of goroutines a kernel call uses.
func Threads() int {
	if n := int(maxThreads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// Parallel runs fn(0..workers-1) concurrently and waits; worker 0 runs on the calling
// goroutine. The others run on the pool's goroutines when it is free (see pool), else on new
// goroutines (a Parallel inside a worker, or two at once).
func Parallel(workers int, fn func(w int)) {
	if workers <= 1 {
		fn(0)
		return
	}
	if thePool.run(workers, fn) {
		return
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			fn(w)
		}()
	}
	fn(0)
	wg.Wait()
}

// serialView marks a matrix view whose products run on the calling goroutine only
// (PackedMatrix.Serial, IndexPlan.Serial).
type serialView bool

// workers returns the goroutines a product of the view may use.
func (s serialView) workers() int {
	if s {
		return 1
	}
	return Threads()
}

// Grid is a 2-D split of a C matrix of tilesM row tiles and panelsN column
// panels over workers: worker w owns row tiles RowRange(w) and column panels
// ColRange(w).
type Grid struct {
	tm, tn          int // workers along M and N
	tilesM, panelsN int
}

// SplitGrid prefers splitting N (each worker packs only its own B columns);
// it falls back to M when there are fewer column panels than workers.
func SplitGrid(tilesM, panelsN, threads int) Grid {
	if threads < 1 {
		threads = 1
	}
	tn := min(threads, max(panelsN, 1))
	tm := min(max(threads/tn, 1), max(tilesM, 1))
	return Grid{tm: tm, tn: tn, tilesM: tilesM, panelsN: panelsN}
}

// Workers returns the number of goroutines of the split.
func (g Grid) Workers() int { return g.tm * g.tn }

// split returns the half-open share [lo, hi) of total items for part i of parts.
func split(total, parts, i int) (lo, hi int) {
	return total * i / parts, total * (i + 1) / parts
}

// RowRange returns the row tiles [lo, hi) of worker w.
func (g Grid) RowRange(w int) (lo, hi int) { return split(g.tilesM, g.tm, w/g.tn) }

// ColRange returns the column panels [lo, hi) of worker w.
func (g Grid) ColRange(w int) (lo, hi int) { return split(g.panelsN, g.tn, w%g.tn) }

// floatPool recycles packing buffers.
var floatPool sync.Pool

// GetFloats returns a pooled buffer of n floats (contents undefined).
func GetFloats(n int) *[]float32 {
	if p, ok := floatPool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

// PutFloats returns a buffer from GetFloats to the pool.
func PutFloats(p *[]float32) { floatPool.Put(p) }

package sparse

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

// parallel runs fn(0..workers-1) concurrently and waits; worker 0 runs on the
// calling goroutine.
func parallel(workers int, fn func(w int)) {
	if workers <= 1 {
		fn(0)
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

// grid is a 2-D split of a C matrix of tilesM row tiles and panelsN column
// panels over workers: worker w owns row tiles rowRange(w) and column panels
// colRange(w).
type grid struct {
	tm, tn          int // workers along M and N
	tilesM, panelsN int
}

// splitGrid prefers splitting N (each worker packs only its own B columns);
// it falls back to M when there are fewer column panels than workers.
func splitGrid(tilesM, panelsN, threads int) grid {
	if threads < 1 {
		threads = 1
	}
	tn := min(threads, max(panelsN, 1))
	tm := min(max(threads/tn, 1), max(tilesM, 1))
	return grid{tm: tm, tn: tn, tilesM: tilesM, panelsN: panelsN}
}

func (g grid) workers() int { return g.tm * g.tn }

// split returns the half-open share [lo, hi) of total items for part i of parts.
func split(total, parts, i int) (lo, hi int) {
	return total * i / parts, total * (i + 1) / parts
}

func (g grid) rowRange(w int) (lo, hi int) { return split(g.tilesM, g.tm, w/g.tn) }
func (g grid) colRange(w int) (lo, hi int) { return split(g.panelsN, g.tn, w%g.tn) }

// floatPool recycles packing buffers.
var floatPool sync.Pool

func getFloats(n int) *[]float32 {
	if p, ok := floatPool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

func putFloats(p *[]float32) { floatPool.Put(p) }

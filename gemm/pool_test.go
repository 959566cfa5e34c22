package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallelRunsEveryWorkerOnce runs Parallel from one goroutine, from several at once (the
// pool serves one, the others start goroutines), nested inside a worker, and after the pool's
// workers have parked; every call must run each worker index exactly once and return only
// after all of them have finished.
func TestParallelRunsEveryWorkerOnce(t *testing.T) {
	check := func(workers int) {
		counts := make([]atomic.Int32, workers)
		Parallel(workers, func(w int) {
			time.Sleep(time.Duration(w%3) * 10 * time.Microsecond)
			counts[w].Add(1)
		})
		for w := range counts {
			if c := counts[w].Load(); c != 1 {
				t.Errorf("Parallel(%d): worker %d ran %d times after it returned", workers, w, c)
			}
		}
	}
	for _, workers := range []int{1, 2, 3, 8, 2} {
		check(workers)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				check(3)
			}
		}()
	}
	wg.Wait()
	var inner atomic.Int32
	Parallel(2, func(int) {
		Parallel(3, func(int) { inner.Add(1) })
	})
	if got := inner.Load(); got != 6 {
		t.Errorf("nested Parallel ran %d inner workers, want 6", got)
	}
	time.Sleep(3 * DefaultSpin) // the pool's workers park
	check(4)
	// A worker whose task ends its goroutine (t.FailNow in a RowSource, say) is replaced.
	Parallel(2, func(w int) {
		if w == 1 {
			runtime.Goexit()
		}
	})
	finished := make(chan struct{})
	go func() {
		check(2)
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("Parallel after a worker's runtime.Goexit did not return")
	}
	// Parking at once (SetSpin(0), $HYBRIDPRUNE_SPIN=0) changes nothing but the waiting.
	prev := SetSpin(0)
	defer SetSpin(prev)
	for range 50 {
		check(3)
	}
}

package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spinFor is how long a pool worker keeps polling for its next task after finishing one before
// it parks. A parked goroutine's thread sleeps in the kernel, and on a virtual machine its
// virtual CPU halts: waking it took 25 µs at the median, 160 µs at the 90th percentile and
// 1.3 ms at the 99th on a 2-core Zen 4 VM (a Go execution trace of the engine's hybrid AlexNet at
// batch 128), while the products between two wake-ups run for 50-500 µs, so worker 0 ran its
// share and often the other's alone. OpenMP runtimes spin in the same way between parallel
// regions (GOMP_SPINCOUNT, KMP_BLOCKTIME).
const spinFor = 500 * time.Microsecond

// pool is the goroutines that run Parallel's workers 1..n-1, started on first use and kept: a
// Parallel hands each its task through an atomic slot, and a worker that is still spinning
// picks it up within a few hundred nanoseconds. One Parallel uses the pool at a time (busy);
// while it does, another runs on new goroutines as before.
type pool struct {
	busy    sync.Mutex
	workers []*poolWorker
}

var thePool pool

// poolWorker is one pool goroutine: task is the next task (nil: none), parked is set while it
// waits on wake.
type poolWorker struct {
	task   atomic.Pointer[poolTask]
	parked atomic.Bool
	wake   chan struct{}
}

// poolTask is worker w's share of one Parallel call.
type poolTask struct {
	fn   func(w int)
	w    int
	left *atomic.Int32 // workers of the call still running
	done *sync.WaitGroup
}

// run runs fn on workers goroutines (the caller as worker 0, the pool's goroutines as the
// others) and reports true, or reports false at once when the pool is busy.
func (p *pool) run(workers int, fn func(w int)) bool {
	if !p.busy.TryLock() {
		return false
	}
	defer p.busy.Unlock()
	for len(p.workers) < workers-1 {
		pw := &poolWorker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, pw)
		go pw.loop()
	}
	var left atomic.Int32
	var done sync.WaitGroup
	left.Store(int32(workers - 1))
	done.Add(workers - 1)
	tasks := make([]poolTask, workers-1)
	for i := range tasks {
		tasks[i] = poolTask{fn: fn, w: i + 1, left: &left, done: &done}
		pw := p.workers[i]
		pw.task.Store(&tasks[i])
		if pw.parked.Load() {
			select {
			case pw.wake <- struct{}{}:
			default:
			}
		}
	}
	fn(0)
	// Wait spinning while the others finish (their shares are as long as this one's), then
	// parked.
	start := time.Now()
	for i := 0; left.Load() > 0; i++ {
		if i%64 == 63 {
			if time.Since(start) > spinFor {
				break
			}
			runtime.Gosched()
		}
	}
	done.Wait()
	return true
}

// loop runs the worker's tasks: after each it polls its slot for spinFor (yielding the thread to
// any other runnable goroutine every few polls), then parks until woken.
func (pw *poolWorker) loop() {
	for {
		last := time.Now()
		for i := 0; ; i++ {
			if t := pw.task.Swap(nil); t != nil {
				t.run()
				last, i = time.Now(), 0
				continue
			}
			if i%64 == 63 {
				if time.Since(last) > spinFor {
					break
				}
				runtime.Gosched()
			}
		}
		pw.parked.Store(true)
		if t := pw.task.Swap(nil); t != nil { // stored before parked was set
			pw.parked.Store(false)
			t.run()
			continue
		}
		<-pw.wake
		pw.parked.Store(false)
	}
}

func (t *poolTask) run() {
	defer t.done.Done()
	defer t.left.Add(-1)
	t.fn(t.w)
}

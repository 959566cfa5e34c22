package gemm

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/cpu"
)

// DefaultSpin is how long a pool worker keeps polling for its next task after finishing one
// before it parks, unless SetSpin or $HYBRIDPRUNE_SPIN says otherwise. A parked goroutine's
// thread sleeps in the kernel, and on a virtual machine its virtual CPU halts: waking it took
// 25 µs at the median, 160 µs at the 90th percentile and 1.3 ms at the 99th on a 2-core Zen 4 VM
// (a Go execution trace of the engine's hybrid AlexNet at batch 128), while the products between
// two wake-ups run for 50-500 µs, so worker 0 often ran its share and the other's alone. OpenMP
// runtimes spin in the same way between parallel regions (GOMP_SPINCOUNT, KMP_BLOCKTIME).
const DefaultSpin = 500 * time.Microsecond

// SpinEnv is the environment variable that sets the pool workers' polling time at program start,
// as a Go duration ("200us", "2ms"); "0" parks them at once after each task (OpenMP's
// OMP_WAIT_POLICY=passive), for a machine whose cores other processes need. A value that does
// not parse leaves DefaultSpin in place and is reported by EnvError.
const SpinEnv = "HYBRIDPRUNE_SPIN"

var (
	spinNS     atomic.Int64
	spinEnvErr error
)

func init() {
	spinNS.Store(int64(DefaultSpin))
	if v := os.Getenv(SpinEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err == nil && d < 0 {
			err = fmt.Errorf("negative")
		}
		if err != nil {
			spinEnvErr = fmt.Errorf("gemm: $%s=%q is not a duration >= 0 such as 500us or 0: %w", SpinEnv, v, err)
			return
		}
		spinNS.Store(int64(d))
	}
}

// SetSpin sets how long the pool workers poll for a task before they park (d <= 0: park at once)
// and returns the previous setting.
func SetSpin(d time.Duration) time.Duration {
	return time.Duration(spinNS.Swap(int64(max(d, 0))))
}

// pool is the goroutines that run Parallel's workers 1..n-1, started on first use and kept: a
// Parallel hands each its task through an atomic slot, and a worker that is still spinning
// picks it up within a few hundred nanoseconds. One Parallel uses the pool at a time (busy);
// while it does, another (concurrent, or nested inside a worker) runs on new goroutines.
type pool struct {
	busy    sync.Mutex
	workers []*poolWorker
}

var thePool pool

// poolWorker is one pool goroutine: task is the next task (nil: none), parked is set while it
// waits on wake. The padding keeps two workers' slots off one cache line.
type poolWorker struct {
	task   atomic.Pointer[poolTask]
	parked atomic.Bool
	wake   chan struct{}
	_      cpu.CacheLinePad
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
			default: // a wake-up is already pending
			}
		}
	}
	fn(0)
	// Wait spinning while the others finish (their shares are as long as this one's), then
	// parked.
	start, spin := time.Now(), time.Duration(spinNS.Load())
	for i := 0; left.Load() > 0; i++ {
		if i%64 == 63 {
			if time.Since(start) > spin {
				break
			}
			runtime.Gosched()
		}
	}
	done.Wait()
	return true
}

// loop runs the worker's tasks: after each it polls its slot for the spin time (yielding the
// thread to any other runnable goroutine every few polls), then parks until woken.
func (pw *poolWorker) loop() {
	// loop returns only when a task ends its goroutine (runtime.Goexit, as t.FailNow does):
	// a new goroutine takes the worker over, or the next Parallel would wait for it forever.
	defer func() { go pw.loop() }()
	for {
		last, spin := time.Now(), time.Duration(spinNS.Load())
		for i := 0; ; i++ {
			if pw.task.Load() != nil { // read-only polling: the line stays shared until a task lands
				pw.task.Swap(nil).run()
				last, spin, i = time.Now(), time.Duration(spinNS.Load()), 0
				continue
			}
			if i%64 == 63 {
				if time.Since(last) > spin {
					break
				}
				runtime.Gosched()
			}
		}
		pw.parked.Store(true)
		if t := pw.task.Swap(nil); t != nil { // stored before parked was set
			pw.parked.Store(false)
			select {
			case <-pw.wake: // the token its Parallel may have sent meanwhile
			default:
			}
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

package nets

import (
	"os"
	"runtime/debug"
)

// Training's memory is mostly short-lived float32 temporaries (the im2col of AlexNet's conv2 alone
// is 210 MB at batch 128), which Go's default collector lets pile up to twice the peak live heap.
// Measured on a full-MNIST AlexNet epoch (batch 128, `bench/train-rss.sh`, 2-core AMD EPYC Zen 2):
// default GOGC with a 2 GiB soft limit, 2.07 GB peak RSS (5.3x PyTorch's 390 MB); GOGC=25, 367 MB
// (0.94x), at the same images/s within noise (the temporaries hold no pointers, so a collection
// costs little).

// DefaultGCPercent and DefaultMemoryLimit are what TuneGC sets when GOGC and GOMEMLIMIT are unset.
const (
	DefaultGCPercent   = 25
	DefaultMemoryLimit = 2 << 30
)

// TuneGC sets the garbage collector for training unless the user set it: GOGC (DefaultGCPercent)
// and a soft memory limit GOMEMLIMIT (DefaultMemoryLimit). The CLI and the notebooks' sweeps call
// it once at start.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
}

package experiment

import (
	"bufio"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/hybridprune/hybridprune/gemm"
)

// CPUModel returns the processor's model name (from /proc/cpuinfo on Linux) and whether it has
// AVX-512F and AVX2+FMA, e.g. "AMD EPYC (avx2 fma)".
func CPUModel() string {
	name := "unknown CPU"
	var flags string
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "model name":
				if name == "unknown CPU" {
					name = strings.TrimSpace(v)
				}
			case "flags":
				if flags == "" {
					flags = " " + v + " "
				}
			}
		}
		f.Close()
	}
	var simd []string
	for _, fl := range []string{"avx512f", "avx2", "fma"} {
		if strings.Contains(flags, " "+fl+" ") {
			simd = append(simd, fl)
		}
	}
	if len(simd) > 0 {
		name += " (" + strings.Join(simd, " ") + ")"
	}
	return name
}

// Commit returns the source revision: the binary's VCS stamp, else `git rev-parse HEAD` in the
// working directory, else "unknown". A "+dirty" suffix marks uncommitted changes. The answer is
// the first call's, for the whole process (Run asks at its start): an unstamped binary (built
// with -buildvcs=false, or by go run) that trains for hours while the working tree moves on
// still names the commit it started at, not the HEAD at the time each row lands.
func Commit() string { return processCommit() }

var processCommit = sync.OnceValue(commitNow)

func commitNow() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if rev != "" {
			return rev[:min(12, len(rev))] + dirty
		}
	}
	if out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return "unknown"
}

// NewProvenance describes this process: commit, CPU, the given backend name, the kernel route
// and the current time (UTC, RFC 3339).
func NewProvenance(backend string) Provenance {
	return Provenance{Commit: Commit(), CPU: CPUModel(), Backend: backend, Route: gemm.RouteName(),
		Date: time.Now().UTC().Format(time.RFC3339)}
}

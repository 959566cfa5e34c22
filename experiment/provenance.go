package experiment

import (
	"cmp"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hybridprune/hybridprune/gemm"
)

// CPUModel returns the processor's model name (from /proc/cpuinfo on Linux), its core
// generation where the family and model numbers name one, and whether it has AVX-512F and
// AVX2+FMA, e.g. "AMD EPYC (Zen 4, family 25 model 17; avx512f avx2 fma)". Cloud VMs often
// report only "AMD EPYC": the family and model tell a Zen 2 from a Zen 4 or Zen 5.
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	return cpuName(string(b))
}

// cpuName describes the first processor of a /proc/cpuinfo text (see CPUModel).
func cpuName(cpuinfo string) string {
	name, vendor, family, model, flags := "unknown CPU", "", "", "", ""
	for line := range strings.Lines(cpuinfo) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "model name":
			if name == "unknown CPU" {
				name = v
			}
		case "vendor_id":
			vendor = cmp.Or(vendor, v)
		case "cpu family":
			family = cmp.Or(family, v)
		case "model":
			model = cmp.Or(model, v)
		case "flags":
			if flags == "" {
				flags = " " + v + " "
			}
		}
	}
	var parts []string
	if family != "" && model != "" {
		id := "family " + family + " model " + model
		if core := amdCore(vendor, family, model); core != "" {
			id = core + ", " + id
		}
		parts = append(parts, id)
	}
	var simd []string
	for _, fl := range []string{"avx512f", "avx2", "fma"} {
		if strings.Contains(flags, " "+fl+" ") {
			simd = append(simd, fl)
		}
	}
	if len(simd) > 0 {
		parts = append(parts, strings.Join(simd, " "))
	}
	if len(parts) > 0 {
		name += " (" + strings.Join(parts, "; ") + ")"
	}
	return name
}

// amdCore names the Zen generation of an AMD family/model pair (decimal, as /proc/cpuinfo
// gives them), with the model ranges of Linux's arch/x86/kernel/cpu/amd.c, or "" when the pair
// is in none of them.
func amdCore(vendor, family, model string) string {
	f, err1 := strconv.Atoi(family)
	m, err2 := strconv.Atoi(model)
	if vendor != "AuthenticAMD" || err1 != nil || err2 != nil {
		return ""
	}
	in := func(lo, hi int) bool { return m >= lo && m <= hi }
	switch {
	case f == 0x17 && (in(0x00, 0x2f) || in(0x50, 0x5f)):
		return "Zen/Zen+"
	case f == 0x17 && (in(0x30, 0x4f) || in(0x60, 0x7f) || in(0x90, 0x91) || in(0xa0, 0xaf)):
		return "Zen 2"
	case f == 0x19 && (in(0x00, 0x0f) || in(0x20, 0x5f)):
		return "Zen 3"
	case f == 0x19 && (in(0x10, 0x1f) || in(0x60, 0xaf)):
		return "Zen 4"
	case f == 0x1a && (in(0x00, 0x2f) || in(0x40, 0x4f) || in(0x60, 0x7f)):
		return "Zen 5"
	case f == 0x1a && in(0x50, 0x5f):
		return "Zen 6"
	}
	return ""
}

// buildCommit, set at link time (go build -ldflags "-X
// github.com/hybridprune/hybridprune/experiment.buildCommit=REV"), names the source of a binary
// that has no VCS stamp (built with -buildvcs=false, as GOFLAGS sets it on this project's
// machines, or from a git worktree) and runs outside its checkout, where `git rev-parse HEAD` in
// the working directory would name another commit.
var buildCommit string

// Commit returns the source revision: buildCommit when set, else the binary's VCS stamp, else
// `git rev-parse HEAD` in the working directory, else "unknown". A "+dirty" suffix marks uncommitted changes. The answer is
// the first call's, for the whole process (Run asks at its start): an unstamped binary (built
// with -buildvcs=false, or by go run) that trains for hours while the working tree moves on
// still names the commit it started at, not the HEAD at the time each row lands.
func Commit() string { return processCommit() }

var processCommit = sync.OnceValue(commitNow)

func commitNow() string {
	if buildCommit != "" {
		return buildCommit
	}
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

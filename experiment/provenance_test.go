package experiment

import (
	"fmt"
	"testing"
)

// TestCPUName reads the three /proc/cpuinfo layouts the project's machines give: the same
// "AMD EPYC" model name on a Zen 2, a Zen 4 and a Zen 5, told apart by family and model.
func TestCPUName(t *testing.T) {
	const amd = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: %s\nmodel\t\t: %s\nmodel name\t: AMD EPYC\nflags\t\t: fpu %s\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\ncpu family\t: 99\nmodel\t\t: 99\n"
	for _, c := range []struct{ family, model, flags, want string }{
		{"23", "49", "avx fma avx2 bmi2", "AMD EPYC (Zen 2, family 23 model 49; avx2 fma)"},
		{"25", "17", "fma avx2 avx512f avx512bw", "AMD EPYC (Zen 4, family 25 model 17; avx512f avx2 fma)"},
		{"25", "1", "fma avx2", "AMD EPYC (Zen 3, family 25 model 1; avx2 fma)"},
		{"26", "2", "fma avx2 avx512f", "AMD EPYC (Zen 5, family 26 model 2; avx512f avx2 fma)"},
		{"23", "1", "avx2", "AMD EPYC (Zen/Zen+, family 23 model 1; avx2)"},
		{"23", "80", "avx2", "AMD EPYC (Zen/Zen+, family 23 model 80; avx2)"},
		{"26", "48", "avx2", "AMD EPYC (family 26 model 48; avx2)"},         // in no known range
		{"6", "143", "avx2 fma", "AMD EPYC (family 6 model 143; avx2 fma)"}, // not an AMD family
	} {
		info := fmt.Sprintf(amd, c.family, c.model, c.flags)
		if got := cpuName(info); got != c.want {
			t.Errorf("family %s model %s: cpuName = %q, want %q", c.family, c.model, got, c.want)
		}
	}
	intel := "vendor_id\t: GenuineIntel\ncpu family\t: 25\nmodel\t\t: 17\nmodel name\t: Some Xeon\nflags\t\t: avx2\n"
	if got, want := cpuName(intel), "Some Xeon (family 25 model 17; avx2)"; got != want {
		t.Errorf("Intel: cpuName = %q, want %q (Zen names only for AuthenticAMD)", got, want)
	}
	if got, want := cpuName("processor : 0\n"), "unknown CPU"; got != want {
		t.Errorf("no model name: cpuName = %q, want %q", got, want)
	}
	arm := "processor\t: 0\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n"
	if got, want := cpuName(arm), "unknown CPU"; got != want {
		t.Errorf("arm64 layout: cpuName = %q, want %q", got, want)
	}
}

// TestCommitFromLinkFlag: a commit set at link time (buildCommit) is what a row records, before
// the VCS stamp and the working directory's HEAD.
func TestCommitFromLinkFlag(t *testing.T) {
	old := buildCommit
	defer func() { buildCommit = old }()
	buildCommit = "f56ad9b87e0c+588cfc3"
	if got := commitNow(); got != "f56ad9b87e0c+588cfc3" {
		t.Errorf("commitNow() = %q, want the link-time commit", got)
	}
}

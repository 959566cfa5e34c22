package kernel

import (
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/experiment"
)

// TestUVPlanesFollowTransforms guards the titles of Figs. 6 and 7 against a reordering of
// experiment.UVTransforms, which uvPlanes reads by position.
func TestUVPlanesFollowTransforms(t *testing.T) {
	for i, want := range []string{"hybrid 1", "hybrid 2"} {
		if n := experiment.UVTransforms[i].Name; !strings.HasPrefix(n, want) {
			t.Fatalf("experiment.UVTransforms[%d] is %q, but uvPlanes[%d] draws it as %s", i, n, i+1, want)
		}
		if !strings.Contains(uvPlanes[i+1].fig, want) {
			t.Fatalf("uvPlanes[%d] is %q, want %s", i+1, uvPlanes[i+1].fig, want)
		}
	}
}

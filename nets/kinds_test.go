package nets

import (
	"strings"
	"testing"
)

// TestKindRegistry: every kind is registered once with the pieces the generic code needs, the
// Builder prefixes are distinct and the unknown-kind error lists every registered kind.
func TestKindRegistry(t *testing.T) {
	all := Kinds()
	if len(all) != 9 {
		t.Errorf("%d kinds registered: %v", len(all), all)
	}
	prefixes := map[string]LayerKind{}
	for _, k := range all {
		info := kinds[k]
		if !k.Known() || info.kind != k {
			t.Errorf("kind %q: registered as %q", k, info.kind)
		}
		if other, dup := prefixes[info.prefix]; dup {
			t.Errorf("kinds %q and %q share the name prefix %q", k, other, info.prefix)
		}
		prefixes[info.prefix] = k
	}
	if LayerKind("gelu").Known() {
		t.Error("unknown kind reported known")
	}
	s := AlexNet(1, 10)
	s.Layers[1].Kind = "gelu"
	err := s.Validate()
	if err == nil {
		t.Fatal("unknown kind accepted")
	}
	for _, k := range all {
		if !strings.Contains(err.Error(), string(k)) {
			t.Errorf("unknown-kind error %q does not list %q", err, k)
		}
	}
	s = AlexNet(1, 10)
	s.Layers[1].NoBias = true
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "no_bias is only for conv and dense layers") {
		t.Errorf("no_bias on a relu: %v", err)
	}
}

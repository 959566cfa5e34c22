package nets

import (
	"strings"
	"testing"
)

// TestZooParameterCounts compares with the published architectures' counts (PyTorch's
// sum(p.numel()) of the reference implementations, CIFAR-10 heads).
func TestZooParameterCounts(t *testing.T) {
	for _, c := range []struct {
		spec *Spec
		want int
	}{
		{AlexNet(3, 10), 2472266},            // bearpaw/pytorch-classification alexnet, CIFAR-10
		{VGG16(3, 10), 14728266},             // kuangliu/pytorch-cifar VGG('VGG16')
		{SimpleNet(3, 10, 1), 5498378},       // SimpleNet v1: 5,489,290 conv+dense + 9,088 BN scale/offset
		{AlexNet(1, 10), 2472266 - 2*64*121}, // MNIST: conv1 has 1 input channel instead of 3
	} {
		if got := c.spec.ParamCount(); got != c.want {
			t.Errorf("%s: %d parameters, want %d", c.spec.Name, got, c.want)
		}
	}
	if n := len(VGG16(3, 10).ConvIndices()); n != 13 {
		t.Errorf("VGG16 has %d convs, want 13", n)
	}
	if n := len(SimpleNet(3, 10, 1).ConvIndices()); n != 13 {
		t.Errorf("SimpleNet has %d convs, want 13", n)
	}
}

func TestSpecJSONRoundTrip(t *testing.T) {
	for _, s := range []*Spec{AlexNet(1, 10), VGG16(3, 100), SimpleNetSmall(3, 10), ResNet18(3, 10)} {
		raw, err := s.MarshalIndent()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseSpec(raw)
		if err != nil {
			t.Fatal(err)
		}
		raw2, _ := back.MarshalIndent()
		if string(raw) != string(raw2) {
			t.Errorf("%s: round trip changed the spec", s.Name)
		}
		if back.ParamCount() != s.ParamCount() {
			t.Errorf("%s: round trip changed the parameter count", s.Name)
		}
	}
}

func TestSpecValidationErrors(t *testing.T) {
	base := AlexNet(3, 10)
	for _, c := range []struct {
		name   string
		mutate func(s *Spec)
		want   string
	}{
		{"channel mismatch", func(s *Spec) { s.Layers[3].InChannels = 63 }, `layer 3 (conv "conv2"): in=63 but the previous layer outputs 64`},
		{"pool not dividing", func(s *Spec) { s.Layers[2].Window = 3 }, "window=3 must be positive and divide the input 64x8x8"},
		{"unknown kind", func(s *Spec) { s.Layers[1].Kind = "gelu" }, `unknown kind "gelu"`},
		{"duplicate name", func(s *Spec) { s.Layers[1].Name = "conv1" }, "duplicate name"},
		{"wrong head", func(s *Spec) { s.NumClasses = 100 }, "last layer must be dense with 100 outputs"},
		{"dense input", func(s *Spec) { s.Layers[len(s.Layers)-1].InChannels = 512 }, "in=512 out=10, want in=256"},
		{"bad dropout", func(s *Spec) {
			s.Layers = append(s.Layers[:1], append([]Layer{{Kind: KindDropout, Name: "d", Rate: 1}}, s.Layers[1:]...)...)
		}, "rate=1"},
	} {
		s := base.Clone()
		c.mutate(s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := ParseSpec([]byte(`{"name": "x", "layers": [`)); err == nil || !strings.Contains(err.Error(), "parsing spec JSON") {
		t.Errorf("truncated JSON: error %v", err)
	}
}

func TestCheckWeightsErrors(t *testing.T) {
	s := AlexNet(1, 10)
	w := s.InitWeights(1)
	if err := s.CheckWeights(w); err != nil {
		t.Fatal(err)
	}
	bad := w.Clone()
	bad["conv2/weight"].Shape = []int{192, 64, 5, 4}
	if err := s.CheckWeights(bad); err == nil || !strings.Contains(err.Error(), `"conv2/weight" has shape [192 64 5 4], want [192 64 5 5]`) {
		t.Errorf("wrong shape: %v", err)
	}
	missing := w.Clone()
	delete(missing, "fc1/bias")
	if err := s.CheckWeights(missing); err == nil || !strings.Contains(err.Error(), `missing "fc1/bias"`) {
		t.Errorf("missing: %v", err)
	}
	extra := w.Clone()
	extra["conv9/weight"] = NewTensor(1)
	if err := s.CheckWeights(extra); err == nil || !strings.Contains(err.Error(), `unexpected parameter "conv9/weight"`) {
		t.Errorf("extra: %v", err)
	}
}

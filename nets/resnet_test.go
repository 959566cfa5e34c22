package nets

import (
	"strings"
	"testing"
)

// tinyResNet is a ResNet on 3x8x8 images: stage 1 keeps the shape (identity shortcut), stage 2
// strides by 2 and widens (projection shortcut).
func tinyResNet(t *testing.T, input Shape) *Spec {
	t.Helper()
	s, err := ResNet("tiny-resnet", input, 10, []int{4, 8}, []int{2, 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestResNet18Architecture: the published CIFAR ResNet-18 count (kuangliu/pytorch-cifar ResNet18,
// sum(p.numel()) = 11,173,962 for CIFAR-10: bias-free convs, BN scale and offset, dense with
// bias), 20 convs (1 stem, 16 block convs, 3 projection shortcuts), 8 additions, and JSON that
// holds the residual fields (and AlexNet's none of them).
func TestResNet18Architecture(t *testing.T) {
	s := ResNet18(3, 10)
	if got := s.ParamCount(); got != 11173962 {
		t.Errorf("resnet18: %d parameters, want 11173962", got)
	}
	if n := len(s.ConvIndices()); n != 20 {
		t.Errorf("resnet18 has %d convs, want 20", n)
	}
	adds, inputs := 0, 0
	for _, l := range s.Layers {
		if l.Kind == KindAdd {
			adds++
		}
		if l.Input != "" {
			inputs++
		}
	}
	if adds != 8 || inputs != 3 {
		t.Errorf("resnet18 has %d adds and %d layers with an input, want 8 and 3", adds, inputs)
	}
	shapes, err := s.Shapes()
	if err != nil {
		t.Fatal(err)
	}
	if got := shapes[s.Index("avgpool")]; got != (Shape{512, 1, 1}) {
		t.Errorf("avgpool output %s, want 512x1x1", got)
	}
	if got := shapes[s.Index("layer4.1.relu2")]; got != (Shape{512, 4, 4}) {
		t.Errorf("last block output %s, want 512x4x4", got)
	}
	raw, err := s.MarshalIndent() // the round trip is in TestSpecJSONRoundTrip
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"input": "layer1.1.relu2"`, `"from": "layer1.0.relu2"`, `"no_bias": true`, `"kind": "globalavgpool"`} {
		if !strings.Contains(string(raw), field) {
			t.Errorf("resnet18 JSON lacks %s", field)
		}
	}
	// A chain's JSON has none of the new fields.
	if raw, _ := AlexNet(3, 10).MarshalIndent(); strings.Contains(string(raw), "no_bias") || strings.Contains(string(raw), `"from"`) {
		t.Error("alexnet JSON gained residual fields")
	}
	if _, err := ByName("resnet18", 3, 100); err != nil {
		t.Error(err)
	}
}

// TestResidualValidationErrors: bad add/input references and mismatched shapes name the layer and
// what was expected.
func TestResidualValidationErrors(t *testing.T) {
	base := tinyResNet(t, Shape{3, 8, 8})
	proj := base.Index("layer2.0.shortcut.0")
	add1 := base.Index("layer1.0.add")
	add2 := base.Index("layer2.0.add")
	for _, c := range []struct {
		name   string
		mutate func(s *Spec)
		want   string
	}{
		{"add from missing", func(s *Spec) { s.Layers[add1].From = "nope" }, `(add "layer1.0.add"): from "nope": no such layer`},
		{"add from later", func(s *Spec) { s.Layers[add1].From = "linear" }, `from "linear" names a later layer`},
		{"add from itself", func(s *Spec) { s.Layers[add1].From = "layer1.0.add" }, "names the layer itself"},
		{"add from empty", func(s *Spec) { s.Layers[add1].From = "" }, "from is empty"},
		{"add shape mismatch", func(s *Spec) { s.Layers[add2].From = "relu1" }, `adds 4x8x8 (from "relu1") to its input 8x4x4: the shapes must match`},
		{"input later", func(s *Spec) { s.Layers[proj].Input = "linear" }, `(conv "layer2.0.shortcut.0"): input "linear" names a later layer`},
		{"input missing", func(s *Spec) { s.Layers[proj].Input = "ghost" }, `input "ghost": no such layer`},
		{"input channels", func(s *Spec) { s.Layers[proj].Input = "layer2.0.relu1" }, `in=4 but its input "layer2.0.relu1" outputs 8 channels`},
		{"no_bias on bn", func(s *Spec) { s.Layers[1].NoBias = true }, "no_bias is only for conv and dense"},
		{"gap after flatten", func(s *Spec) {
			s.Layers = append(s.Layers[:len(s.Layers)-1], Layer{Kind: KindGlobalAvgPool, Name: "g2"}, s.Layers[len(s.Layers)-1])
		}, "globalavgpool after flatten"},
	} {
		s := base.Clone()
		c.mutate(s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := ResNet("r", Shape{3, 8, 8}, 10, []int{4}, []int{1, 1}); err == nil {
		t.Error("ResNet with mismatched widths and blocks: no error")
	}
}

// TestResNetTrainsStripes trains a narrow ResNet (both shortcut kinds) for 3 epochs on the
// stripes task: the test loss falls below the untrained one and the accuracy is high.
func TestResNetTrainsStripes(t *testing.T) {
	spec, err := ResNet("stripes-resnet", Shape{1, 8, 8}, 2, []int{4, 8}, []int{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	init := spec.InitWeights(2)
	test := stripes(256, 2)
	before, err := Evaluate(spec, init, test, 128)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Train(spec, init, stripes(512, 1), test, TrainConfig{Epochs: 3, BatchSize: 32, Optimizer: "adam", LearningRate: 0.01, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	final := res.Final()
	if !(final.TestLoss < before.Loss) {
		t.Errorf("test loss %.4f after training, %.4f before", final.TestLoss, before.Loss)
	}
	if first := res.Epochs[0].TrainLoss; !(final.TrainLoss < first) {
		t.Errorf("train loss %.4f at the end, %.4f after epoch 1", final.TrainLoss, first)
	}
	if final.TestAccuracy < 0.9 {
		t.Errorf("test accuracy %.3f, want >= 0.9 (history %+v)", final.TestAccuracy, res.Epochs)
	}
}

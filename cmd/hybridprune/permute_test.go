package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
)

// TestCLIPrunePermute: -permute needs the channels order and a schedule with an N:M stage (both
// checked before anything is loaded), and with them the nm schedule writes a model whose masks
// are 2:4 along the channels and keep at least the magnitude of the unpermuted masks.
func TestCLIPrunePermute(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-permute", "-group", "width"}, "width"},
		{[]string{"-permute", "-group", "channels", "-schedule", "filter"}, "filter"},
	} {
		err := runPrune(append([]string{"-model", "/nonexistent", "-out", "/nonexistent"}, c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}

	dir := offlineFakeMNIST(t)
	spec, err := nets.NewBuilder("small", nets.Shape{C: 1, H: 32, W: 32}, 10).
		Conv(8, 5, 4, 2).ReLU().MaxPool(2).Conv(16, 3, 1, 1).ReLU().Conv(8, 3, 1, 1).ReLU().MaxPool(2).
		Flatten(8 * 2 * 2).Dense(10).Spec()
	if err != nil {
		t.Fatal(err)
	}
	w := spec.InitWeights(3)
	model := filepath.Join(dir, "model")
	if err := nets.SaveModel(model, spec, w); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "pruned")
	if err := runPrune([]string{"-model", model, "-out", out, "-schedule", "nm", "-group", "channels", "-permute",
		"-retrain-epochs", "0", "-dataset", "mnist", "-data", dir}); err != nil {
		t.Fatal(err)
	}
	_, pw, err := nets.LoadModel(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"conv2/weight", "conv3/weight"} {
		if err := pruner.CheckNM(pw[name], pruner.Pattern24, pruner.OrderChannels); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		got, _, _ := pruner.KeptMagnitude(pw[name], pruner.Pattern24, pruner.OrderChannels)
		plain, _, _ := pruner.KeptMagnitude(w[name], pruner.Pattern24, pruner.OrderChannels)
		if got <= plain {
			t.Errorf("%s keeps %g with -permute, %g without", name, got, plain)
		}
	}
}

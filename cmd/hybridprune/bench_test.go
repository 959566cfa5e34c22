package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// benchRows returns the table rows of bench's output: lines whose first
// field is the batch size.
func benchRows(out, batch string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == batch {
			rows = append(rows, f)
		}
	}
	return rows
}

// TestBenchCommand runs bench in quick mode (tiny budget and batch): one
// table row per ratio, with a speedup.
func TestBenchCommand(t *testing.T) {
	var out strings.Builder
	err := benchMain([]string{"-batch", "3", "-ratios", "1,0.5,0.25", "-budget", "1ms", "-rounds", "1", "-kernels"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	rows := benchRows(out.String(), "3")
	if len(rows) != 3 {
		t.Fatalf("%d rows, want one per ratio:\n%s", len(rows), out.String())
	}
	for i, want := range []string{"1.00", "0.50", "0.25"} {
		if rows[i][1] != want || !strings.HasSuffix(rows[i][len(rows[i])-1], "x") {
			t.Errorf("row %d = %v, want ratio %s and a speedup", i, rows[i], want)
		}
	}
	if !strings.Contains(out.String(), "alexnet/conv3 b3 (384x1728x12)") {
		t.Errorf("no kernel table row for conv3:\n%s", out.String())
	}
}

func TestBenchCommandErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-ratios", "1.5"},
		{"-batch", "0"},
		{"-model", "nonet"},
		{"-group", "diagonal"},
		{"-model", "simplenet-small", "-torch", "-budget", "1ms", "-ratios", "1", "-batch", "1"},
	} {
		var out strings.Builder
		if err := benchMain(args, &out); err == nil {
			t.Errorf("bench %v: no error", args)
		}
	}
}

// TestBenchTorch runs the -torch path when /usr/bin/python3 has torch.
func TestBenchTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts python and torch")
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import torch").Run(); err != nil {
		t.Skip("no torch")
	}
	var out strings.Builder
	err := benchMain([]string{"-batch", "2", "-ratios", "1,0.5", "-budget", "1ms", "-rounds", "1", "-torch",
		"-torch-script", "../../bench/infer_torch.py"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	rows := benchRows(out.String(), "2")
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2:\n%s", len(rows), out.String())
	}
	for _, r := range rows {
		if len(r) != 12 || r[9] == "-" {
			t.Errorf("row without torch timing: %v\n%s", r, out.String())
		}
	}
}

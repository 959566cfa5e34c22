package kernel

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// svgTexts parses svg as XML (failing the test if it is not well-formed) and returns the
// root element name and all character data of <text> elements.
func svgTexts(t *testing.T, svg string) (root string, texts []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	inText := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not valid XML: %v\n%.500s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			if tok.Name.Local == "text" {
				inText++
			}
		case xml.EndElement:
			if tok.Name.Local == "text" {
				inText--
			}
		case xml.CharData:
			if inText > 0 {
				texts = append(texts, string(tok))
			}
		}
	}
	return root, texts
}

func checkSVG(t *testing.T, svg string, want ...string) {
	t.Helper()
	root, texts := svgTexts(t, svg)
	if root != "svg" {
		t.Fatalf("root element is %q, want svg", root)
	}
	all := strings.Join(texts, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("SVG texts do not contain %q; texts: %q", w, texts)
		}
	}
}

func TestLinePlot(t *testing.T) {
	long := Series{Name: "val <acc> & more", Y: make([]float64, 100)}
	for i := range long.Y {
		long.Y[i] = math.Sin(float64(i) / 10)
	}
	svg, err := LinePlot("Loss", "epoch", "loss",
		Series{Name: "train", X: []float64{1, 2, 3}, Y: []float64{2.3, 1.1, 0.7}},
		long)
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, "Loss", "epoch", "loss", "train", "val <acc> & more")
}

func TestScatterPlot(t *testing.T) {
	svg, err := ScatterPlot("Sparsity vs accuracy", "sparsity", "acc",
		Series{Name: "alexnet", X: []float64{0.1, 0.5, 0.9}, Y: []float64{0.8, 0.79, 0.6}},
		Series{Name: "vgg16", X: []float64{0.2}, Y: []float64{0.9}})
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, "Sparsity vs accuracy", "alexnet", "vgg16")
}

func TestBarPlot(t *testing.T) {
	svg, err := BarPlot("Params", "count", []string{"conv1", "conv2", "fc1"},
		Series{Name: "dense", Y: []float64{10, 20, 30}},
		Series{Name: "pruned", Y: []float64{5, 8, 3}})
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, "Params", "conv1", "fc1", "dense", "pruned")
}

func TestPlotErrors(t *testing.T) {
	cases := map[string]func() (string, error){
		"length mismatch": func() (string, error) {
			return LinePlot("t", "x", "y", Series{Name: "bad", X: []float64{1, 2}, Y: []float64{1}})
		},
		"NaN": func() (string, error) {
			return ScatterPlot("t", "x", "y", Series{Name: "bad", Y: []float64{1, math.NaN()}})
		},
		"bar categories": func() (string, error) {
			return BarPlot("t", "y", []string{"a", "b"}, Series{Name: "bad", Y: []float64{1}})
		},
	}
	for name, f := range cases {
		if _, err := f(); err == nil {
			t.Errorf("%s: expected an error", name)
		} else if !strings.Contains(err.Error(), `"bad"`) {
			t.Errorf("%s: error %q does not name the series", name, err)
		}
	}
}

func TestEmptyPlot(t *testing.T) {
	svg, err := LinePlot("empty", "x", "y")
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, "empty")
}

func TestStripXMLProlog(t *testing.T) {
	svg, err := LinePlot("t", "x", "y", Series{Name: "s", Y: []float64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	got := stripXMLProlog(svg)
	if strings.Contains(got, "<?xml") || !strings.Contains(got, "<svg") {
		t.Errorf("prolog not stripped: %.100q", got)
	}
	checkSVG(t, got, "s")
	if s := "<svg/>"; stripXMLProlog(s) != s {
		t.Error("changed an SVG without prolog")
	}
}

// TestSinglePointAxes checks the axes of a plot whose data is one point (a sweep with one ratio
// done): ticks around the value, not from 0 to twice it as gonum draws a degenerate range.
func TestSinglePointAxes(t *testing.T) {
	svg, err := LinePlot("one ratio", "remaining filter ratio", "test accuracy",
		Series{Name: "hybrid2", X: []float64{0.9}, Y: []float64{0.8151}})
	if err != nil {
		t.Fatal(err)
	}
	_, texts := svgTexts(t, svg)
	all := strings.Join(texts, " ")
	for _, bad := range []string{"1.6", "1.8"} {
		if slices.Contains(texts, bad) {
			t.Errorf("tick %s on a plot of one point at (0.9, 0.8151): %q", bad, all)
		}
	}
	if !slices.Contains(texts, "0.9") && !slices.Contains(texts, "0.90") {
		t.Errorf("no tick at 0.9: %q", all)
	}
}

// TestPadY: an automatic y range grows by 4% of its span on each side (a line along the top or
// bottom value stays off the frame), a flat one by 0.01 or 1% of its value, whichever is
// larger; fixed limits are kept.
func TestPadY(t *testing.T) {
	for _, c := range []struct{ min, max, wantMin, wantMax float64 }{
		{0.80, 0.84, 0.7984, 0.8416},
		{0.5, 0.5, 0.49, 0.51},
		{200, 200, 198, 202},
		{0, 0, -0.01, 0.01},
	} {
		p := plot.New()
		p.Y.Min, p.Y.Max = c.min, c.max
		padY(p)
		if math.Abs(p.Y.Min-c.wantMin) > 1e-12 || math.Abs(p.Y.Max-c.wantMax) > 1e-12 {
			t.Errorf("padY [%g, %g] = [%g, %g], want [%g, %g]", c.min, c.max, p.Y.Min, p.Y.Max, c.wantMin, c.wantMax)
		}
	}
	empty := plot.New() // no data: the range stays as gonum starts it
	padY(empty)
	if !math.IsInf(empty.Y.Min, 1) || !math.IsInf(empty.Y.Max, -1) {
		t.Errorf("padY of an empty plot changed its range to [%g, %g]", empty.Y.Min, empty.Y.Max)
	}
	svg, err := LinePlotWith(PlotOptions{YMin: 0.7, YMax: 0.9}, "t", "x", "y", Series{Name: "a", X: []float64{0, 1}, Y: []float64{0.8, 0.84}})
	if err != nil || svg == "" {
		t.Fatalf("LinePlotWith with fixed limits: %v", err)
	}
}

package kernel

import (
	"bytes"
	"strings"
	"testing"
)

func TestTableEscapes(t *testing.T) {
	h := Table([]string{"name", "a<b"}, [][]string{{"<script>alert(1)</script>", "x & y"}, {"short"}})
	for _, bad := range []string{"<script>", "a<b", "x & y"} {
		if strings.Contains(h, bad) {
			t.Errorf("table contains unescaped %q:\n%s", bad, h)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "a&lt;b", "x &amp; y", "<th>name</th>", "<td>short</td><td></td>"} {
		if !strings.Contains(h, want) {
			t.Errorf("table lacks %q:\n%s", want, h)
		}
	}
}

func TestTextTable(t *testing.T) {
	got := TextTable([]string{"model", "params"}, [][]string{{"alexnet", "2.5M"}, {"vgg16"}})
	want := "model    params\n-----    ------\nalexnet  2.5M\nvgg16    \n"
	if got != want {
		t.Errorf("TextTable:\n%q\nwant\n%q", got, want)
	}
}

func TestDisplayOutsideNotebook(t *testing.T) {
	if IsNotebook() {
		t.Skip("running under GoNB")
	}
	var buf bytes.Buffer
	old := Out
	Out = &buf
	defer func() { Out = old }()
	DisplayTable([]string{"k"}, [][]string{{"v"}})
	DisplaySVG("<svg/>")
	DisplayHTML("<b>ignored</b>")
	if err := DisplayPlot(LinePlot("t", "x", "y", Series{Name: "s", Y: []float64{1, 2}})); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "k\n-") || !strings.Contains(out, "SVG plot") || strings.Contains(out, "ignored") {
		t.Errorf("unexpected plain-text output:\n%s", out)
	}
}

package kernel

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressText(t *testing.T) {
	if IsNotebook() {
		t.Skip("running under GoNB")
	}
	var buf bytes.Buffer
	old := Out
	Out = &buf
	defer func() { Out = old }()
	p := NewProgress("train", 100)
	for i := 1; i <= 100; i++ {
		p.Update(i, "loss=0.1")
	}
	p.Done("final acc=0.9")
	p.Update(5, "ignored after done")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// Start, one line per decile (10%..100%) and the final Done line.
	if len(lines) < 3 || len(lines) > 13 {
		t.Fatalf("got %d lines:\n%s", len(lines), buf.String())
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "train: 100/100 (100%)") || !strings.Contains(last, "final acc=0.9") {
		t.Errorf("last line %q", last)
	}
	if strings.Contains(buf.String(), "ignored") {
		t.Error("update after Done was shown")
	}
}

func TestProgressUnknownTotal(t *testing.T) {
	p := NewProgress("scan", 0)
	p.Update(7, "")
	if got := p.String(); !strings.HasPrefix(got, "scan: 7 elapsed") {
		t.Errorf("String() = %q", got)
	}
	if h := p.htmlLocked(); !strings.Contains(h, "<progress") {
		t.Errorf("html %q", h)
	}
}

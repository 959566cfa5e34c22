package kernel

import (
	"fmt"
	"html"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Progress reports the progress of a long loop (e.g. training epochs). In a notebook it is
// a single HTML block with a <progress> bar, updated in place (gonbui.UpdateHTML); outside
// one it prints a plain-text line to Out every 10% (or every TextInterval), and at Done.
// It is safe for concurrent use.
type Progress struct {
	// MinInterval is the minimum time between two notebook updates (the final one is
	// always shown). Defaults to 250ms.
	MinInterval time.Duration
	// TextInterval is the maximum time between two plain-text lines while progress is
	// made. Defaults to 30s.
	TextInterval time.Duration

	mu          sync.Mutex
	label       string
	total, done int
	status      string
	id          string
	start       time.Time
	lastShown   time.Time
	lastDecile  int
	finished    bool
}

// NewProgress starts a progress display for `total` steps (total <= 0: unknown total).
func NewProgress(label string, total int) *Progress {
	p := &Progress{
		MinInterval:  250 * time.Millisecond,
		TextInterval: 30 * time.Second,
		label:        label,
		total:        total,
		id:           "hybridprune_progress_" + gonbui.UniqueId(),
		start:        time.Now(),
		lastDecile:   -1,
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.showLocked(true)
	return p
}

// Update sets the number of completed steps and an optional status message (e.g. the
// current loss). Updates after Done are ignored.
func (p *Progress) Update(done int, status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.done, p.status = done, status
	p.showLocked(false)
}

// Done marks the progress complete with a final status message and shows it.
func (p *Progress) Done(status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.total > 0 {
		p.done = p.total
	}
	p.status = status
	p.showLocked(true)
}

// String is the plain-text rendering of the current state.
func (p *Progress) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.textLocked()
}

func (p *Progress) textLocked() string {
	elapsed := time.Since(p.start).Round(time.Second)
	s := fmt.Sprintf("%s: %d", p.label, p.done)
	if p.total > 0 {
		s += fmt.Sprintf("/%d (%.0f%%)", p.total, 100*p.fraction())
	}
	s += fmt.Sprintf(" elapsed %v", elapsed)
	if eta, ok := p.etaLocked(); ok && !p.finished {
		s += fmt.Sprintf(" eta %v", eta)
	}
	if p.status != "" {
		s += " - " + p.status
	}
	return s
}

func (p *Progress) fraction() float64 {
	if p.total <= 0 {
		return 0
	}
	return min(max(float64(p.done)/float64(p.total), 0), 1)
}

func (p *Progress) etaLocked() (time.Duration, bool) {
	f := p.fraction()
	if f <= 0 || f >= 1 {
		return 0, false
	}
	elapsed := time.Since(p.start)
	return time.Duration(float64(elapsed) * (1 - f) / f).Round(time.Second), true
}

func (p *Progress) htmlLocked() string {
	bar := `<progress style="width: 20em"></progress>` // Indeterminate.
	if p.total > 0 {
		bar = fmt.Sprintf(`<progress style="width: 20em" value="%d" max="%d"></progress>`, p.done, p.total)
	}
	return fmt.Sprintf(`<div style="font-family: monospace"><b>%s</b> %s %s</div>`,
		html.EscapeString(p.label), bar, html.EscapeString(p.textLocked()[len(p.label)+2:]))
}

// showLocked renders the current state, throttled unless force is set.
func (p *Progress) showLocked(force bool) {
	now := time.Now()
	if gonbui.IsNotebook {
		if !force && now.Sub(p.lastShown) < p.MinInterval {
			return
		}
		p.lastShown = now
		gonbui.UpdateHTML(p.id, p.htmlLocked())
		return
	}
	decile := int(10 * p.fraction())
	if !force && decile <= p.lastDecile && now.Sub(p.lastShown) < p.TextInterval {
		return
	}
	p.lastShown, p.lastDecile = now, decile
	fmt.Fprintln(Out, p.textLocked())
}

package experiment

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"github.com/hybridprune/hybridprune/nets"
)

// ErrNotReproduced is returned (wrapped) when a unit that has a row in the store had to be
// computed again, because the work directory lost its snapshot, and the new model does not give
// the stored result. The units still to run would start from that new model, so their rows
// would sit beside rows computed from another one in the same grid; Run stops instead.
var ErrNotReproduced = errors.New("experiment: a recomputed snapshot does not reproduce its stored row")

// reproduces checks a model recomputed for unit u (the baseline or a trajectory step) against
// u's row, when the store has one: same test accuracy to one image and same loss to 1e-4
// relative. Training is deterministic for a given kernel route and thread count, so a work
// directory lost on the same kind of machine costs only time; on another route it usually
// does not reproduce, and the error says which route the row was computed on.
func (r *runner) reproduces(u Unit, m model) error {
	row, ok := r.env.Store.Get(u.Key)
	if !ok {
		return nil
	}
	ev, err := r.evaluate(m.spec, m.w)
	if err != nil {
		return err
	}
	if sameResult(ev, row.Metrics) {
		r.logf("unit %s recomputed (its snapshot was not in %s): reproduces its row, accuracy %.4f", u.describe(), r.env.WorkDir, ev.Accuracy)
		return nil
	}
	here := NewProvenance(r.env.Backend)
	return fmt.Errorf("%w: %s, recomputed because %s has no snapshot of it, gives accuracy %.4f and loss %.6f, "+
		"but %s holds accuracy %.4f and loss %.6f for it (commit %s, route %s, %s; this run: route %s): "+
		"the units still to run would start from a different model than the stored rows did. "+
		"Restore the work directory, pass the original model with -baseline-model, run on the row's "+
		"route ($HYBRIDPRUNE_KERNEL=%s, same thread count), or move %s aside to run the whole grid again",
		ErrNotReproduced, u.describe(), r.env.WorkDir, ev.Accuracy, ev.Loss, r.env.Store.Path(),
		row.Metrics.Accuracy, row.Metrics.Loss, row.Provenance.Commit, row.Provenance.Route, row.Provenance.CPU,
		here.Route, row.Provenance.Route, r.env.Store.Path())
}

// sameResult reports whether an evaluation matches a stored row: at most one test image
// classified differently and the loss within 1e-4 relative (what a change of kernel route alone
// can move on identical weights).
func sameResult(ev nets.EvalResult, m Metrics) bool {
	n := float64(max(ev.N, 1))
	return math.Abs(ev.Accuracy-m.Accuracy)*n <= 1.5 && math.Abs(ev.Loss-m.Loss) <= 1e-4*math.Max(1, math.Abs(m.Loss))
}

// warnLostSnapshots logs, before any work, that the store holds rows of this sweep whose
// baseline snapshot is missing from the work directory: the baseline will be trained again
// (resuming from its checkpoints, if any) and must reproduce its row (see reproduces).
func (r *runner) warnLostSnapshots() {
	u := r.s.baselineUnit()
	row, ok := r.env.Store.Get(u.Key)
	if !ok || r.env.Log == nil {
		return
	}
	if _, ok := r.loadSnapshot(u.Key); ok {
		return
	}
	for _, x := range r.s.Units(r.env.Shard) {
		if _, done := r.env.Store.Get(x.Key); !done {
			r.logf("%s has no baseline snapshot (%s) but %s holds the baseline's row (accuracy %.4f, route %s): "+
				"units that need it will train it again, and the run stops unless it reproduces that row",
				r.env.WorkDir, filepath.Join(r.env.WorkDir, u.Key), r.env.Store.Path(), row.Metrics.Accuracy, row.Provenance.Route)
			return
		}
	}
}

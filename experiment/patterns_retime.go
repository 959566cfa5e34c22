package experiment

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/hybridprune/hybridprune/pruner"
)

// RetimePatterns times the stored pattern units of s again (after an engine or kernel change)
// and replaces their engine timings, keeping everything else of each row: its accuracies and
// its provenance, which describe the retraining. The new timing's provenance goes into
// Metrics.Retimed. A pattern's latency depends on its mask's structure, not on the trained
// values, and retraining keeps the mask fixed, so the units are timed on the masked baseline
// (the masks are computed from the baseline weights exactly as the units computed them). It
// needs the sweep's baseline model in env.WorkDir and returns the number of rows replaced (so
// far, on an error). A mask whose non-zero count differs from the row's is an error (another
// baseline or mask rule). Rows that this clean build already re-timed on this CPU keep each
// variant's best time over the runs (merged under the store's lock), so repeating it on a noisy
// machine only lowers the timings toward the quiet ones; Retimed.Date is then the last run's,
// and a ratio may pair two runs' windows.
func RetimePatterns(s Sweep, env Env) (int, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if s.Patterns == nil {
		return 0, fmt.Errorf("experiment: retime patterns: sweep %s has no pattern study", s.Name)
	}
	var stored []Unit
	var rows []Row
	for _, u := range s.patternUnits(Shard{0, 1}) {
		if row, ok := env.Store.Get(u.Key); ok {
			stored, rows = append(stored, u), append(rows, row)
		}
	}
	if len(stored) == 0 {
		return 0, nil
	}
	spec, base, err := BaselineSnapshot(s, env.WorkDir)
	if err != nil {
		return 0, fmt.Errorf("experiment: retime patterns of %s needs the sweep's baseline (run the sweep first with -work %s): %w",
			s.Name, env.WorkDir, err)
	}
	for i, u := range stored {
		what := fmt.Sprintf("experiment: retime %s-wise @%g of sweep %s", u.Metric, u.Ratio, s.Name)
		cfg, err := s.Patterns.MaskConfig(u.Metric, u.Ratio)
		if err != nil {
			return i, fmt.Errorf("%s: %w", what, err)
		}
		_, mw, err := maskedBy(spec, base, cfg)
		if err != nil {
			return i, fmt.Errorf("%s: %w", what, err)
		}
		// The unit's row counts the non-zeros of its retrained model under the same mask: a
		// different count means another baseline or another mask rule than the row's.
		nz := pruner.TrainableNonZero(spec, mw)
		if want := rows[i].Metrics.NonZero; abs(nz-want) > max(10, want/1000) {
			return i, fmt.Errorf("%s: the mask keeps %d non-zeros here but %d in row %s: not the mask the unit trained with", what, nz, want, u.Key)
		}
		ms, err := TimePattern(spec, base, mw, cfg, cmp.Or(s.Patterns.Batch, 32), s.Patterns.Budget)
		if err != nil {
			return i, fmt.Errorf("%s: %w", what, err)
		}
		p := NewProvenance(env.Backend)
		err = env.Store.Update(u.Key, func(row Row) (Row, error) {
			if prev := row.Metrics.Retimed; prev != nil && sameBuild(*prev, p) {
				// Re-timed before by this build on this CPU: keep each variant's best over the
				// runs, as within one run (a noisy machine needs more than one window).
				for k, v := range row.Metrics.MsPerBatch {
					if n, ok := ms[k]; ok && v > 0 && v < n {
						ms[k] = v
					}
				}
			}
			row.Metrics.MsPerBatch = ms
			row.Metrics.Retimed = &p
			return row, nil
		})
		if err != nil {
			return i, err
		}
		if env.Log != nil {
			mode := string(PatternMode(cfg.Kind))
			fmt.Fprintf(env.Log, "retimed %s-wise @%.0f%%: dense %.2f ms, %s %.2f ms (%.2fx dense)\n",
				u.Metric, 100*u.Ratio, ms["dense"], mode, ms[mode], ms["dense"]/ms[mode])
		}
	}
	return len(stored), nil
}

// sameBuild reports whether two timings' provenances name one known, clean build on one CPU and
// micro-kernel route (an unknown or dirty commit may be any build; a build without a VCS stamp,
// such as go run's, is named by the checkout's HEAD and taken at its word).
func sameBuild(a, b Provenance) bool {
	known := a.Commit != "" && a.Commit != "unknown" && !strings.HasSuffix(a.Commit, "+dirty")
	return known && a.Commit == b.Commit && a.CPU == b.CPU && a.Route == b.Route
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

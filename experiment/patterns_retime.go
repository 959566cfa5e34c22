package experiment

import (
	"cmp"
	"fmt"

	"github.com/hybridprune/hybridprune/pruner"
)

// RetimePatterns times the stored pattern units of s again (after an engine or kernel change)
// and replaces their engine timings, keeping everything else of each row: its accuracies and
// its provenance, which describe the retraining. The new timing's provenance goes into
// Metrics.Retimed. A pattern's latency depends on its mask's structure, not on the trained
// values, and retraining keeps the mask fixed, so the units are timed on the masked baseline
// (the masks are computed from the baseline weights exactly as the units computed them). It
// needs the sweep's baseline model in env.WorkDir and returns the number of rows replaced. Rows
// that this build already re-timed on this CPU keep each variant's best time over the runs, so
// repeating it on a noisy machine only lowers the timings toward the quiet ones.
func RetimePatterns(s Sweep, env Env) (int, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if s.Patterns == nil {
		return 0, fmt.Errorf("experiment: retime patterns: sweep %s has no pattern study", s.Name)
	}
	units := s.patternUnits(Shard{0, 1})
	var stored []Unit
	for _, u := range units {
		if _, ok := env.Store.Get(u.Key); ok {
			stored = append(stored, u)
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
	for _, u := range stored {
		cfg, err := s.Patterns.MaskConfig(u.Metric, u.Ratio)
		if err != nil {
			return 0, err
		}
		masks, err := pruner.Masks(spec, base, cfg)
		if err != nil {
			return 0, fmt.Errorf("experiment: retime %s @%g: %w", u.Metric, u.Ratio, err)
		}
		mw, err := pruner.ApplyMasks(base, masks)
		if err != nil {
			return 0, err
		}
		ms, err := TimePattern(spec, base, mw, cfg, cmp.Or(s.Patterns.Batch, 32), s.Patterns.Budget)
		if err != nil {
			return 0, fmt.Errorf("experiment: retime %s @%g: %w", u.Metric, u.Ratio, err)
		}
		row, _ := env.Store.Get(u.Key)
		p := NewProvenance(env.Backend)
		if prev := row.Metrics.Retimed; prev != nil && prev.Commit == p.Commit && prev.CPU == p.CPU && prev.Route == p.Route {
			// Re-timed before by this build on this CPU: keep each variant's best over the runs,
			// as within one run (a noisy machine needs more than one window).
			for k, v := range row.Metrics.MsPerBatch {
				if n, ok := ms[k]; ok && v > 0 && v < n {
					ms[k] = v
				}
			}
		}
		row.Metrics.MsPerBatch = ms
		row.Metrics.Retimed = &p
		if err := env.Store.Replace(row); err != nil {
			return 0, err
		}
		if env.Log != nil {
			mode := string(PatternMode(cfg.Kind))
			fmt.Fprintf(env.Log, "retimed %s-wise @%.0f%%: dense %.2f ms, %s %.2f ms (%.2fx dense)\n",
				u.Metric, 100*u.Ratio, ms["dense"], mode, ms[mode], ms["dense"]/ms[mode])
		}
	}
	return len(stored), nil
}

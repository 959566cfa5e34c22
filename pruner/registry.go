package pruner

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Metric scores every filter of every layer of an Input; higher is more important. It is the
// extension point (as Torch-Pruning's importance classes): implement it, or wrap a function with
// MetricFunc or PerLayer, and Register it under a name.
type Metric interface {
	Score(in *Input) (Scores, error)
}

// MetricFunc adapts a function to Metric.
type MetricFunc func(in *Input) (Scores, error)

// Score implements Metric.
func (f MetricFunc) Score(in *Input) (Scores, error) { return f(in) }

// PerLayer adapts a function scoring one layer (in.Layers[i]) into a Metric; the name prefixes
// its errors.
func PerLayer(name string, f func(in *Input, i int) ([]float64, error)) Metric {
	return MetricFunc(func(in *Input) (Scores, error) {
		if err := in.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out := make(Scores, len(in.Layers))
		for i, l := range in.Layers {
			s, err := f(in, i)
			if err != nil {
				return nil, fmt.Errorf("%s: layer %q: %w", name, l.Name, err)
			}
			if len(s) != l.Filters() {
				return nil, fmt.Errorf("%s: layer %q: %d scores for %d filters", name, l.Name, len(s), l.Filters())
			}
			out[i] = s
		}
		return out, nil
	})
}

// The built-in metrics, also registered under their names.
var (
	// InputL1Metric is "l1-in" (eq. 2).
	InputL1Metric = PerLayer("l1-in", func(in *Input, i int) ([]float64, error) {
		return InputL1(in.Layers[i].Weight)
	})
	// OutputL1Metric is "l1-out" (eq. 3).
	OutputL1Metric = PerLayer("l1-out", func(in *Input, i int) ([]float64, error) {
		return OutputL1(in.Layers[i].Next, in.Layers[i].Filters())
	})
	// OutputL1SumMetric is "l1-out-sum": eq. 3 without the averaging.
	OutputL1SumMetric = PerLayer("l1-out-sum", func(in *Input, i int) ([]float64, error) {
		return OutputL1Sum(in.Layers[i].Next, in.Layers[i].Filters())
	})
	// RemanentL1Metric is "remanent-l1" (eq. 4).
	RemanentL1Metric = PerLayer("remanent-l1", func(in *Input, i int) ([]float64, error) {
		return RemanentL1(in.Layers[i].Weight, in.Order, in.Pattern)
	})
	// DominantRatioMetric is "dominant-ratio" (eq. 5).
	DominantRatioMetric = PerLayer("dominant-ratio", func(in *Input, i int) ([]float64, error) {
		return DominantRatio(in.Layers[i].Weight, in.Order, in.Pattern)
	})
	// PreservationMetric is "preservation" (eqs. 6-7).
	PreservationMetric = PerLayer("preservation", func(in *Input, i int) ([]float64, error) {
		return Preservation(in.Layers[i].Weight, in.Order, in.Pattern)
	})
	// LpMetric is "lp": the Lp norm of each filter with p = Input.P.
	LpMetric = PerLayer("lp", func(in *Input, i int) ([]float64, error) {
		return LpNorm(in.Layers[i].Weight, in.P)
	})
	// APoZMetric is "apoz": 1 - APoZ of each channel, from Input.Activations. It needs
	// calibration data (see NeedsData).
	APoZMetric Metric = dataMetric{PerLayer("apoz", func(in *Input, i int) ([]float64, error) {
		if in.Activations == nil {
			return nil, fmt.Errorf("needs activations (Input.Activations; see CaptureActivations)")
		}
		a, err := APoZ(in.Activations.Layers[i], in.Activations.N, in.Layers[i].Filters())
		if err != nil {
			return nil, err
		}
		for j := range a {
			a[j] = 1 - a[j]
		}
		return a, nil
	})}
)

var registry = struct {
	sync.RWMutex
	m map[string]Metric
}{m: map[string]Metric{
	"l1-in":          InputL1Metric,
	"l1-out":         OutputL1Metric,
	"l1-out-sum":     OutputL1SumMetric,
	"remanent-l1":    RemanentL1Metric,
	"dominant-ratio": DominantRatioMetric,
	"preservation":   PreservationMetric,
	"lp":             LpMetric,
	"apoz":           APoZMetric,
	"hybrid1":        Hybrid1(),
	"hybrid2":        Hybrid2(),
	"hybrid1-sum":    Hybrid1Sum(),
	"hybrid2-sum":    Hybrid2Sum(),
}}

// DataMetric is implemented by metrics that score from activations: they need a calibration batch
// (ScoreOptions.Calibration) run through the network, not only the weights.
type DataMetric interface {
	Metric
	NeedsData() bool
}

// dataMetric marks a metric as data-driven.
type dataMetric struct{ Metric }

// NeedsData implements DataMetric.
func (dataMetric) NeedsData() bool { return true }

// NeedsData reports whether the named metric needs calibration data (false for unknown names).
func NeedsData(name string) bool {
	m, err := Lookup(name)
	if err != nil {
		return false
	}
	d, ok := m.(DataMetric)
	return ok && d.NeedsData()
}

// Register adds a metric under a new name (lower case, no spaces); registering a taken name fails.
func Register(name string, m Metric) error {
	if name == "" || strings.ContainsAny(name, " \t\n") || name != strings.ToLower(name) {
		return fmt.Errorf("register metric %q: want a non-empty lower-case name without spaces", name)
	}
	if m == nil {
		return fmt.Errorf("register metric %q: nil metric", name)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.m[name]; ok {
		return fmt.Errorf("register metric %q: name already taken", name)
	}
	registry.m[name] = m
	return nil
}

// Lookup returns the metric registered under name.
func Lookup(name string) (Metric, error) {
	registry.RLock()
	defer registry.RUnlock()
	m, ok := registry.m[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("unknown metric %q (known: %s)", name, strings.Join(metricNamesLocked(), ", "))
	}
	return m, nil
}

// MetricNames lists the registered metric names, sorted.
func MetricNames() []string {
	registry.RLock()
	defer registry.RUnlock()
	return metricNamesLocked()
}

func metricNamesLocked() []string {
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ScoreByName validates the input, scores it with the named metric and rejects NaN scores.
func ScoreByName(name string, in *Input) (Scores, error) {
	m, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("metric %s: %w", name, err)
	}
	s, err := m.Score(in)
	if err != nil {
		return nil, fmt.Errorf("metric %s: %w", name, err)
	}
	if err := s.checkNaN(); err != nil {
		return nil, fmt.Errorf("metric %s: %w", name, err)
	}
	return s, nil
}

package kernel

import (
	"bytes"
	"fmt"
	"math"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Series is one named curve of a line or scatter plot, or one group of bars of a bar plot.
// For line and scatter plots X may be nil, in which case Y is plotted against 0, 1, 2, ...;
// otherwise X and Y must have the same length. Bar plots ignore X.
type Series struct {
	Name string
	X, Y []float64
	// Dashed draws the line dashed; Color, when positive, picks palette colour Color-1 instead
	// of the series' position (so that two series of one metric share a colour).
	Dashed bool
	Color  int
}

// PlotWidth and PlotHeight are the size, in inches, of the SVG plots produced by this package.
var PlotWidth, PlotHeight = 7.0, 4.5

// maxPointsWithGlyphs is the largest series drawn with a marker on each point in line plots.
const maxPointsWithGlyphs = 30

// xys converts a series to plotter.XYs, checking lengths and rejecting NaN/Inf values.
func (s Series) xys() (plotter.XYs, error) {
	if s.X != nil && len(s.X) != len(s.Y) {
		return nil, fmt.Errorf("series %q: len(X)=%d != len(Y)=%d", s.Name, len(s.X), len(s.Y))
	}
	pts := make(plotter.XYs, len(s.Y))
	for i, y := range s.Y {
		x := float64(i)
		if s.X != nil {
			x = s.X[i]
		}
		if !finite(x) || !finite(y) {
			return nil, fmt.Errorf("series %q: non-finite point %d (x=%v, y=%v)", s.Name, i, x, y)
		}
		pts[i] = plotter.XY{X: x, Y: y}
	}
	return pts, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// newPlot creates a plot with title and axis labels and a grid.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

// PlotOptions adjust a line plot: where the legend goes (so it covers no data) and fixed y
// limits (both zero: automatic).
type PlotOptions struct {
	LegendBottom, LegendLeft bool
	YMin, YMax               float64
}

// LinePlot renders the series as lines (with point markers for short series) and returns
// the plot as an SVG document. Display it with DisplaySVG.
func LinePlot(title, xlabel, ylabel string, series ...Series) (svg string, err error) {
	return LinePlotWith(PlotOptions{}, title, xlabel, ylabel, series...)
}

// LinePlotWith is LinePlot with options.
func LinePlotWith(o PlotOptions, title, xlabel, ylabel string, series ...Series) (svg string, err error) {
	p := newPlot(title, xlabel, ylabel)
	p.Legend.Top, p.Legend.Left = !o.LegendBottom, o.LegendLeft
	if o.YMin != 0 || o.YMax != 0 {
		p.Y.Min, p.Y.Max = o.YMin, o.YMax
	}
	for i, s := range series {
		pts, err := s.xys()
		if err != nil {
			return "", fmt.Errorf("kernel: LinePlot %q: %w", title, err)
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return "", fmt.Errorf("kernel: LinePlot %q: series %q: %w", title, s.Name, err)
		}
		l.Color = plotutil.Color(i)
		if s.Color > 0 {
			l.Color = plotutil.Color(s.Color - 1)
		}
		l.Dashes = plotutil.Dashes(0)
		if s.Dashed {
			l.Dashes = plotutil.Dashes(2)
		}
		p.Add(l)
		if len(pts) > 0 && len(pts) <= maxPointsWithGlyphs {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return "", fmt.Errorf("kernel: LinePlot %q: series %q: %w", title, s.Name, err)
			}
			sc.Color = l.Color
			sc.Shape = plotutil.Shape(i)
			p.Add(sc)
			p.Legend.Add(s.Name, l, sc)
		} else {
			p.Legend.Add(s.Name, l)
		}
	}
	if o.YMin == 0 && o.YMax == 0 {
		padY(p)
	}
	return renderSVG(p, "LinePlot", title)
}

// padY widens an automatic y range by 4% of its span on each side (when the series are flat,
// by 0.01 or 1% of the value, whichever is larger), so that a line running along the highest or lowest value stays visible
// instead of merging with the plot's frame.
func padY(p *plot.Plot) {
	if math.IsInf(p.Y.Min, 0) || math.IsInf(p.Y.Max, 0) || math.IsNaN(p.Y.Min) || math.IsNaN(p.Y.Max) || p.Y.Min > p.Y.Max {
		return // no data (gonum starts an axis at +Inf, -Inf): nothing to pad
	}
	span := p.Y.Max - p.Y.Min
	if span <= 0 {
		span = max(math.Abs(p.Y.Max), 1) / 4
	}
	p.Y.Min -= 0.04 * span
	p.Y.Max += 0.04 * span
}

// ScatterPlot renders the series as unconnected markers and returns the plot as an SVG document.
func ScatterPlot(title, xlabel, ylabel string, series ...Series) (svg string, err error) {
	p := newPlot(title, xlabel, ylabel)
	for i, s := range series {
		pts, err := s.xys()
		if err != nil {
			return "", fmt.Errorf("kernel: ScatterPlot %q: %w", title, err)
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return "", fmt.Errorf("kernel: ScatterPlot %q: series %q: %w", title, s.Name, err)
		}
		sc.Color = plotutil.Color(i)
		sc.Shape = plotutil.Shape(i)
		p.Add(sc)
		p.Legend.Add(s.Name, sc)
	}
	return renderSVG(p, "ScatterPlot", title)
}

// BarPlot renders grouped bars: one group per category, one bar per series in each group,
// with series.Y[j] the value for categories[j] (X is ignored). It returns an SVG document.
func BarPlot(title, ylabel string, categories []string, series ...Series) (svg string, err error) {
	p := newPlot(title, "", ylabel)
	n := len(series)
	if n > 0 && len(categories) > 0 {
		// Bar width in points: fill about 70% of the plot width, at most 20pt per bar.
		w := vg.Length(PlotWidth) * vg.Inch * 0.7 / vg.Length(len(categories)*(n+1))
		w = min(w, vg.Points(20))
		for i, s := range series {
			if len(s.Y) != len(categories) {
				return "", fmt.Errorf("kernel: BarPlot %q: series %q has %d values for %d categories",
					title, s.Name, len(s.Y), len(categories))
			}
			for j, y := range s.Y {
				if !finite(y) {
					return "", fmt.Errorf("kernel: BarPlot %q: series %q: non-finite value %v for %q",
						title, s.Name, y, categories[j])
				}
			}
			b, err := plotter.NewBarChart(plotter.Values(s.Y), w)
			if err != nil {
				return "", fmt.Errorf("kernel: BarPlot %q: series %q: %w", title, s.Name, err)
			}
			b.Color = plotutil.Color(i)
			b.LineStyle.Width = 0
			b.Offset = w * (vg.Length(i) - vg.Length(n-1)/2)
			p.Add(b)
			p.Legend.Add(s.Name, b)
		}
	}
	p.NominalX(categories...)
	return renderSVG(p, "BarPlot", title)
}

// renderSVG draws p on a PlotWidth x PlotHeight SVG canvas.
func renderSVG(p *plot.Plot, kind, title string) (svg string, err error) {
	defer func() {
		// gonum plot panics on some degenerate inputs (e.g. bad axis ranges): report an error instead.
		if r := recover(); r != nil {
			svg, err = "", fmt.Errorf("kernel: %s %q: rendering panicked: %v", kind, title, r)
		}
	}()
	widenDegenerate(&p.X)
	widenDegenerate(&p.Y)
	c := vgsvg.New(vg.Length(PlotWidth)*vg.Inch, vg.Length(PlotHeight)*vg.Inch)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("kernel: %s %q: writing SVG: %w", kind, title, err)
	}
	return buf.String(), nil
}

// widenDegenerate gives an axis whose data is a single value (a sweep with one ratio done so far,
// a flat line) a range of 10% of that value around it (0.1 around 0), where gonum would draw the
// value against a range from 0 to twice it.
func widenDegenerate(a *plot.Axis) {
	if a.Max != a.Min {
		return
	}
	d := 0.05 * math.Abs(a.Min)
	if d == 0 {
		d = 0.05
	}
	a.Min, a.Max = a.Min-d, a.Max+d
}

// SaveSVG writes an SVG document (as returned by LinePlot & co.) to path.
func SaveSVG(path, svg string) error {
	if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
		return fmt.Errorf("kernel: saving SVG: %w", err)
	}
	return nil
}

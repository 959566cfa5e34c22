package nets

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Summary returns a table of the layers with their output shapes and parameter counts, and the
// total number of trainable parameters.
func (s *Spec) Summary() (string, error) {
	shapes, err := s.Shapes()
	if err != nil {
		return "", err
	}
	counts := map[string]int{}
	for _, p := range s.Params() {
		if p.Trainable {
			counts[layerOf(p.Name)] += ShapeSize(p.Shape)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: input %s, %d classes\n", s.Name, s.Input, s.NumClasses)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "layer\tkind\tconfig\toutput\tparams\t\n")
	for i, l := range s.Layers {
		var cfg string
		if config := kinds[l.Kind].config; config != nil {
			cfg = config(l)
		}
		if l.Input != "" {
			cfg += " (input " + l.Input + ")"
		}
		if l.NoBias {
			cfg += " no bias"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t\n", l.Name, l.Kind, cfg, shapes[i], counts[l.Name])
	}
	tw.Flush()
	fmt.Fprintf(&b, "total trainable parameters: %d\n", s.ParamCount())
	return b.String(), nil
}

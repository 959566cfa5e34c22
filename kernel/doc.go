// Package kernel holds small helpers for using this module from Jupyter notebooks run by
// the GoNB kernel (github.com/janpfeifer/gonb): SVG plots rendered with gonum plot,
// HTML tables, an updatable progress display and a JSON experiment cache that lets a
// re-executed notebook reuse the results of its long steps.
//
// Every helper also works outside a notebook (plain `go run`, `go test`): when the
// program was not started by GoNB (gonbui.IsNotebook is false) rich displays are
// replaced by plain text written to Out, or skipped.
package kernel

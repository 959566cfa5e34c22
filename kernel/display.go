package kernel

import (
	"fmt"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// DisplaySVG shows an SVG document (e.g. from LinePlot) in the notebook. Outside a
// notebook it prints a one-line note to Out instead.
func DisplaySVG(svg string) {
	if !gonbui.IsNotebook {
		fmt.Fprintf(Out, "[kernel] SVG plot (%d bytes) not displayed: not running under GoNB\n", len(svg))
		return
	}
	gonbui.DisplaySVG(stripXMLProlog(svg))
	gonbui.Sync()
}

// stripXMLProlog removes a leading <?xml ...?> declaration: the SVG is inlined in HTML,
// where it is not allowed.
func stripXMLProlog(svg string) string {
	s := strings.TrimLeft(svg, " \t\r\n")
	if strings.HasPrefix(s, "<?xml") {
		if end := strings.Index(s, "?>"); end >= 0 {
			return strings.TrimLeft(s[end+2:], " \t\r\n")
		}
	}
	return svg
}

// DisplayPlot displays the result of a plot function, e.g. DisplayPlot(LinePlot(...)),
// and returns the plot error, if any (nothing is displayed then).
func DisplayPlot(svg string, err error) error {
	if err != nil {
		return err
	}
	DisplaySVG(svg)
	return nil
}

// DisplayHTML shows HTML in the notebook. Outside a notebook it does nothing: callers
// wanting a plain-text fallback should print one themselves (see DisplayTable).
func DisplayHTML(html string) {
	if gonbui.IsNotebook {
		gonbui.DisplayHTML(html)
		gonbui.Sync()
	}
}

// DisplayMarkdown shows Markdown in the notebook, or prints it verbatim to Out outside one.
func DisplayMarkdown(md string) {
	if !gonbui.IsNotebook {
		fmt.Fprintln(Out, md)
		return
	}
	gonbui.DisplayMarkdown(md)
	gonbui.Sync()
}

// Sync waits until all rich content sent to the notebook has been displayed; it is a no-op
// outside GoNB. The Display functions of this package already sync after each item: GoNB drops
// the content still in its pipe when a cell's program exits (seen as a cell whose plots and
// tables were missing from an nbconvert run, while an identical cell before it kept them).
func Sync() { gonbui.Sync() }

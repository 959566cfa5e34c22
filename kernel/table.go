package kernel

import (
	"fmt"
	"html"
	"strings"
	"text/tabwriter"

	"github.com/janpfeifer/gonb/gonbui"
)

// Table renders an HTML table with the given header row and body rows. All cells are
// HTML-escaped. Rows may be ragged: missing cells are rendered empty.
func Table(headers []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString(`<table class="hybridprune-table">` + "\n")
	if len(headers) > 0 {
		b.WriteString("<thead><tr>")
		for _, h := range headers {
			fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(h))
		}
		b.WriteString("</tr></thead>\n")
	}
	b.WriteString("<tbody>\n")
	cols := tableWidth(headers, rows)
	for _, row := range rows {
		b.WriteString("<tr>")
		for j := 0; j < cols; j++ {
			cell := ""
			if j < len(row) {
				cell = row[j]
			}
			fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(cell))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	return b.String()
}

// TextTable renders the same table as aligned plain text (columns separated by two spaces,
// a dashed line under the header).
func TextTable(headers []string, rows [][]string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	cols := tableWidth(headers, rows)
	writeRow := func(row []string) {
		cells := make([]string, cols)
		copy(cells, row)
		for i, c := range cells {
			// Tabs and newlines would break the alignment.
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if len(headers) > 0 {
		writeRow(headers)
		dashes := make([]string, len(headers))
		for i, h := range headers {
			dashes[i] = strings.Repeat("-", max(len(h), 3))
		}
		writeRow(dashes)
	}
	for _, row := range rows {
		writeRow(row)
	}
	_ = tw.Flush() // Writing to a strings.Builder cannot fail.
	return b.String()
}

// DisplayTable shows Table(headers, rows) in the notebook, or prints TextTable(headers, rows)
// to Out outside one.
func DisplayTable(headers []string, rows [][]string) {
	if !gonbui.IsNotebook {
		fmt.Fprint(Out, TextTable(headers, rows))
		return
	}
	gonbui.DisplayHTML(Table(headers, rows))
}

// tableWidth is the number of columns: the longest of the header and all rows.
func tableWidth(headers []string, rows [][]string) int {
	n := len(headers)
	for _, r := range rows {
		n = max(n, len(r))
	}
	return n
}

package explain

import (
	_ "embed"
	"encoding/json"
	"html"
	"io"
	"strings"
)

//go:embed report.html
var reportTemplate string

// WriteHTML writes a self-contained HTML report of the run (no network:
// style, script and data inline): the replay command at the top, the
// result, a timeline with a column per task (click a step, or use the
// arrow keys), and the state after the selected step: each task's state
// and held locks, who should wake a blocked task, the in-lookup dentries
// and open i_dir_seq sections. It opens at the violation.
func (r *Run) WriteHTML(w io.Writer) error {
	data, err := json.Marshal(r) // escapes <, > and &: safe inside <script>
	if err != nil {
		return err
	}
	result := `<div id="clean">clean: ` + html.EscapeString(r.resultLine()) + `</div>`
	if r.Report != nil {
		result = `<div id="violation">` + html.EscapeString(r.resultLine()) + `</div>`
	}
	page := strings.NewReplacer(
		"{{TITLE}}", html.EscapeString(r.Title),
		"{{REPLAY}}", html.EscapeString(r.Replay),
		"{{RESULT}}", result,
		"{{DATA}}", string(data),
	).Replace(reportTemplate)
	_, err = io.WriteString(w, page)
	return err
}

// Command amtemplate renders the alert manager's SNS message (template "sns.default.message")
// from TEMPLATE_FILE with the alert group in DATA_JSON, through Alertmanager's own template
// package, so the tests read what the alert manager would send.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/prometheus/alertmanager/template"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: amtemplate TEMPLATE_FILE DATA_JSON")
		os.Exit(2)
	}
	tmpl, err := template.FromGlobs([]string{os.Args[1]})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var data template.Data
	if err := json.Unmarshal(raw, &data); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := tmpl.ExecuteTextString(`{{ template "sns.default.message" . }}`, &data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(out)
}

// Command amtemplate renders one of the alert manager's templates from TEMPLATE_FILE with the
// alert group in DATA_JSON, through Alertmanager's own template package, so the tests read what
// the alert manager would send. NAME is the template to render: "sns.default.message" (the
// message an sns_config without a message of its own sends) unless given.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/prometheus/alertmanager/template"
)

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: amtemplate TEMPLATE_FILE DATA_JSON [NAME]")
		os.Exit(2)
	}
	name := "sns.default.message"
	if len(os.Args) == 4 {
		name = os.Args[3]
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
	// The name is quoted as Go quotes a string, which is how a template action reads one.
	out, err := tmpl.ExecuteTextString(fmt.Sprintf("{{ template %q . }}", name), &data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(out)
}

package cli

import (
	"os"
	"strings"

	"github.com/dcsim/dcsim/scenarios"
)

// isScenarioFile reports whether a --scenario argument names a scenario
// file rather than a catalog scenario: an existing file, or a name with
// the scenario file extension.
func isScenarioFile(arg string) bool {
	if strings.HasSuffix(arg, scenarios.FileExt) {
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && st.Mode().IsRegular()
}

// findScenario resolves a scenario: from file when one is given (name
// picks among its scenarios; "" takes its only one), else from the
// --scenario argument, which may itself be a file's path, else from the
// catalog. Parse errors come back as FILE:LINE:COL usage errors.
func findScenario(name, file string) (*scenarios.Scenario, error) {
	if file == "" && isScenarioFile(name) {
		file, name = name, ""
	}
	if file == "" {
		sc, err := scenarios.Lookup(name)
		if err != nil {
			return nil, usagef("%v", err)
		}
		return sc, nil
	}
	sc, err := scenarios.LoadScenario(file, name)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return sc, nil
}

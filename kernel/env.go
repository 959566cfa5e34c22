package kernel

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// QuickEnv is the environment variable that selects quick mode (see QuickMode).
const QuickEnv = "HYBRIDPRUNE_QUICK"

// Out receives the plain-text fallbacks of the display helpers when not running
// under GoNB. Tests may redirect it.
var Out io.Writer = os.Stdout

// IsNotebook reports whether the program runs as a GoNB notebook cell, i.e. whether
// rich (HTML/SVG) displays reach a notebook.
func IsNotebook() bool { return gonbui.IsNotebook }

// ReadOnlyEnv is the environment variable that makes RunSweep only read the store (see
// ReadOnlyMode).
const ReadOnlyEnv = "HYBRIDPRUNE_READONLY"

// ReadOnlyMode reports whether HYBRIDPRUNE_READONLY is true: RunSweep then shows the rows the
// store has and trains nothing (to render a notebook while a sweep is still running elsewhere).
func ReadOnlyMode() bool { return envTrue(ReadOnlyEnv) }

// QuickMode reports whether HYBRIDPRUNE_QUICK is set to a true value ("1", "true",
// "yes", "on"). Notebooks use it to train on a small subset so that CI can execute
// them end to end in minutes. Unset, empty or unparsable values mean false.
func QuickMode() bool { return envTrue(QuickEnv) }

// envTrue reports whether the environment variable name holds a true value.
func envTrue(name string) bool {
	v := strings.TrimSpace(strings.ToLower(os.Getenv(name)))
	switch v {
	case "yes", "on":
		return true
	}
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

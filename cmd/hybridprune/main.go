// Command hybridprune trains, evaluates, prunes and benchmarks CNNs: the command-line face of the
// hybridprune toolkit. Run `hybridprune help` for the list of commands and `hybridprune CMD -h` for
// each command's flags.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"sort"

	"github.com/hybridprune/hybridprune/gemm"
)

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

// defaultMemoryLimit is the soft memory limit of the CLI when GOMEMLIMIT is unset.
const defaultMemoryLimit = 2 << 30

func register(name, summary string, run func(args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: hybridprune COMMAND [flags]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nRun 'hybridprune COMMAND -h' for a command's flags.\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "hybridprune: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A training step allocates several times its live data in temporaries (the im2col of
		// AlexNet's conv2 alone is 210 MB at batch 128), and Go's default GC lets the heap grow to
		// twice the peak: 3.1 GB of RSS for 130 MB live after a 12k-image MNIST epoch. A soft limit
		// makes the GC work harder instead (1.56 GB at 1.5 GiB, same speed); GOMEMLIMIT overrides.
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if err := gemm.EnvError(); err != nil { // a forced kernel route this CPU lacks: say so, never SIGILL
		fmt.Fprintf(os.Stderr, "hybridprune: %v\n", err)
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "hybridprune %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

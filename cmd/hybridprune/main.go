// Command hybridprune trains, evaluates, prunes and benchmarks CNNs: the command-line face of the
// hybridprune toolkit. Run `hybridprune help` for the list of commands and `hybridprune CMD -h` for
// each command's flags.
package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/nets"
)

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

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
	nets.TuneGC()                           // GOGC 25 and a 2 GiB soft limit unless set: training's temporaries stay near the live heap
	if err := gemm.EnvError(); err != nil { // a forced kernel route this CPU lacks: say so, never SIGILL
		fmt.Fprintf(os.Stderr, "hybridprune: %v\n", err)
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "hybridprune %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/gemm"
)

func init() {
	register("sweep", "run (or resume) a metrics x ratios sweep from a JSON config into a result store", runSweep)
	register("results", "print the rows of a result store as the paper's tables", runResults)
}

func runSweep(args []string) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	config := fs.String("config", "", "sweep configuration (JSON, see sweeps/); required")
	store := fs.String("store", "", "result store (JSON lines; default results/NAME.jsonl)")
	work := fs.String("work", "runs/sweeps", "work directory for snapshots and checkpoints (weights; not committed)")
	dataDir := fs.String("data", "", "data directory (default $HYBRIDPRUNE_DATA, else the user cache dir)")
	shard := fs.String("shard", "", "run shard i/n of the trajectories (e.g. $SLURM_ARRAY_TASK_ID/$N); default: all")
	baseline := fs.String("baseline-model", "", "use this trained model directory as the baseline instead of training one")
	dry := fs.Bool("dry-run", false, "list the units (and which are done) without running anything")
	speed := fs.String("speed", "", "then time METRIC's snapshots on the engine, dense vs 2:4 (Fig. 20; needs the sweep's -work)")
	speedBatch := positiveInt(fs, "speed-batch", 128, "batch size of the speed study")
	threads := intAtLeast(fs, "threads", 0, 0, "kernel goroutines of the speed study and -retime-patterns (0: GOMAXPROCS)")
	speedOnly := fs.Bool("speed-only", false, "with -speed: only the speed study (the sweep's units are not run)")
	retime := fs.Bool("retime", false, "with -speed: time the stored speed rows of METRIC again and replace them (after a kernel change)")
	budget := fs.Duration("time-budget", 0, "timing budget per unit of the speed study and -retime-patterns (best of interleaved calls within it; 0: 3s)")
	retimePatterns := fs.Bool("retime-patterns", false, "time the stored rows of the sweep's pattern study again (after an engine change), keeping their accuracies; trains nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*speedOnly || *retime) && *speed == "" {
		return fmt.Errorf("-speed-only and -retime need -speed METRIC")
	}
	if *budget < 0 {
		return fmt.Errorf("-time-budget %v: want a duration >= 0", *budget)
	}
	if *retimePatterns && (*speed != "" || *dry || *shard != "" || *baseline != "") {
		return fmt.Errorf("-retime-patterns runs alone on the whole study: drop -speed, -dry-run, -shard and -baseline-model")
	}
	sh, err := experiment.ParseShard(*shard)
	if err != nil {
		return err
	}
	sw, st, err := openSweepStore(*config, *store)
	if err != nil {
		return err
	}
	units := sw.Units(sh)
	if *dry {
		for i, u := range units {
			_, done := st.Get(u.Key)
			fmt.Printf("%3d/%d %-8s %-16s ratio %.2f key %s done=%v\n", i+1, len(units), u.Kind, u.Metric, u.Ratio, u.Key, done)
		}
		return nil
	}
	fmt.Printf("sweep %s: %d units (shard %d/%d), store %s, work %s, backend %s, CPU %s\n",
		sw.Name, len(units), sh.I, max(sh.N, 1), st.Path(), *work, backendName(), experiment.CPUModel())
	last := time.Time{}
	env := experiment.Env{Store: st, WorkDir: *work, DataDir: *dataDir, Shard: sh, Backend: backendName(),
		BaselineModel: *baseline, Log: os.Stdout,
		Progress: func(p experiment.Progress) {
			// Resumed epochs come in one burst: each gets its line, so the log shows where training
			// picks up.
			if p.Cached || !p.Resumed && time.Since(last) < 10*time.Second && p.Epoch != p.Epochs {
				return
			}
			last = time.Now()
			what := "epoch"
			if p.Resumed {
				what = "resumed epoch"
			}
			fmt.Printf("  [%d/%d] %s %s %d/%d acc %.4f elapsed %s%s\n", p.Unit, p.Units, p.Desc, what, p.Epoch, p.Epochs,
				p.Accuracy, p.Elapsed.Round(time.Second), leftText(p))
		}}
	if *retimePatterns {
		if sw.Patterns != nil {
			sw.Patterns.Budget = *budget
		}
		defer gemm.SetThreads(gemm.SetThreads(*threads))
		n, err := experiment.RetimePatterns(sw, env)
		if err != nil {
			return err
		}
		fmt.Printf("sweep %s: %d pattern rows re-timed\n", sw.Name, n)
		return experiment.WriteTables(os.Stdout, sw, st)
	}
	if !*speedOnly {
		sum, err := experiment.Run(sw, env)
		if err != nil {
			return err
		}
		fmt.Printf("sweep %s: %d units, %d ran, %d already in the store; %.0fs\n", sw.Name, sum.Units, sum.Ran, sum.Cached, sum.Seconds)
	}
	if *speed != "" {
		if err := experiment.RunSpeed(sw, experiment.Speed{Metric: *speed, Batch: *speedBatch, Threads: *threads, Retime: *retime, Budget: *budget}, env); err != nil {
			return err
		}
	}
	return experiment.WriteTables(os.Stdout, sw, st)
}

func runResults(args []string) error {
	fs := flag.NewFlagSet("results", flag.ContinueOnError)
	config := fs.String("config", "", "sweep configuration the rows belong to; required")
	store := fs.String("store", "", "result store (default results/NAME.jsonl)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sw, st, err := openSweepStore(*config, *store)
	if err != nil {
		return err
	}
	return experiment.WriteTables(os.Stdout, sw, st)
}

// openSweepStore loads and validates the sweep config and opens its store (by default
// results/NAME.jsonl).
func openSweepStore(config, store string) (experiment.Sweep, *experiment.Store, error) {
	if config == "" {
		return experiment.Sweep{}, nil, fmt.Errorf("-config is required")
	}
	sw, err := experiment.LoadSweep(config)
	if err != nil {
		return sw, nil, err
	}
	if store == "" {
		store = "results/" + sw.Name + ".jsonl"
	}
	st, err := experiment.OpenStore(store)
	return sw, st, err
}

// leftText is the progress line's time estimate: the rest of the unit (from its epochs so far)
// and of the sweep (from its finished units), each left out while unknown.
func leftText(p experiment.Progress) string {
	out := ""
	if p.UnitLeft > 0 {
		out += fmt.Sprintf(", unit left ~%s", p.UnitLeft.Round(time.Minute))
	}
	if p.Left > 0 {
		out += fmt.Sprintf(", sweep left ~%s", p.Left.Round(time.Minute))
	}
	return out
}

// Package experiment is the experiment layer of hybridprune: declarative, validated
// configurations of the paper's studies (a baseline, a metrics x ratios sweep), split into small
// resumable units, and a result store that outlives the machine.
//
// A Sweep follows section 4.1 of the hybrid-pruning paper: one iterative trajectory per metric
// (evaluate, remove filters, fine-tune; in steps of the listed remaining ratios, e.g. 0.9 down to
// 0.4), a snapshot of the model at each ratio, and from each snapshot a hybrid point (N:M masks
// plus retraining). One trajectory thus yields the filter-pruning and the hybrid column of every
// ratio. Units are the baseline training, the N:M-only point, and per metric and ratio a filter
// unit and a hybrid unit; each finishes in minutes on 2 cores and appends one Row to the Store.
//
// The Store is a JSON-lines file (results/*.jsonl, committed: small text, never weights) with one
// row per finished unit, keyed by a hash of the unit's full configuration. Running a sweep again
// skips every unit whose row is present, so re-running a notebook trains nothing; a killed run
// resumes at its first unfinished unit (the snapshots it needs live in a work directory, and are
// recomputed if lost). Rows are appended under an advisory file lock with one write each, so
// shards writing at once lose no row; a corrupt line is an error naming file and line.
//
// Shards (Shard{I, N}) split the trajectories (a metric's filter and hybrid units stay together,
// since they chain through snapshots) deterministically over N machines; their stores merge by
// key (Merge).
package experiment

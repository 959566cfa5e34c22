package pruner

import (
	"fmt"
	"slices"

	"github.com/hybridprune/hybridprune/nets"
)

// SelectGroups is Select over dependency groups (see ChannelGroup): the channels of a group
// compete as one unit whose score is the mean of its members' scores for that channel
// (Torch-Pruning's default group reduction; the mean keeps a group's scores on the scale of a
// single conv's, so a group neither wins nor loses a global ranking for its size), and every
// member keeps the same channels. Counting follows Torch-Pruning's group-level ratio: in global
// scope a group's channel counts once, so Ratio is the fraction of channel units (a group's
// channel or a lone conv's filter) kept. names and scores are per conv layer, as for Select;
// a scored conv in no group is a group of one. LayerRatios and BaseCounts are per conv: a
// group takes its first scored member's, and members that disagree are an error. The plan
// lists the layers in the order of names. With only groups of one it is exactly Select.
func SelectGroups(names []string, scores Scores, groups []ChannelGroup, cfg SelectConfig) (Plan, error) {
	if len(names) != len(scores) || len(scores) == 0 {
		return nil, fmt.Errorf("select: %d layer names for %d score layers", len(names), len(scores))
	}
	at := make(map[string]int, len(names))
	for i, n := range names {
		at[n] = i
	}
	// members[g] lists the indices (into names) of group g's scored members.
	var members [][]int
	grouped := map[int]bool{}
	for _, g := range groups {
		var m []int
		for _, name := range g.Members {
			i, ok := at[name]
			if !ok {
				return nil, fmt.Errorf("select: conv %q of the group of %q has no scores", name, g.Name())
			}
			if grouped[i] {
				return nil, fmt.Errorf("select: conv %q is in two groups", name)
			}
			grouped[i] = true
			m = append(m, i)
		}
		if len(m) > 0 {
			members = append(members, m)
		}
	}
	for i := range names {
		if !grouped[i] {
			members = append(members, []int{i})
		}
	}
	if len(members) == len(names) {
		return Select(names, scores, cfg) // no coupling
	}
	gnames := make([]string, len(members))
	gscores := make(Scores, len(members))
	gcfg := cfg
	gcfg.LayerRatios, gcfg.BaseCounts = nil, nil
	if cfg.BaseCounts != nil {
		if len(cfg.BaseCounts) != len(scores) {
			return nil, fmt.Errorf("select: %d base counts for %d layers", len(cfg.BaseCounts), len(scores))
		}
		gcfg.BaseCounts = make([]int, len(members))
	}
	for g, m := range members {
		first := m[0]
		gnames[g] = names[first]
		mean, err := meanScores(names, scores, m)
		if err != nil {
			return nil, err
		}
		gscores[g] = mean
		err = sameForMembers(names, m, "base count", func(i int) (int, bool) {
			if cfg.BaseCounts == nil {
				return 0, false
			}
			return cfg.BaseCounts[i], true
		})
		if err != nil {
			return nil, err
		}
		if cfg.BaseCounts != nil {
			gcfg.BaseCounts[g] = cfg.BaseCounts[first]
		}
		err = sameForMembers(names, m, "layer ratio", func(i int) (float64, bool) {
			r, ok := cfg.LayerRatios[names[i]]
			return r, ok
		})
		if err != nil {
			return nil, err
		}
		for _, i := range m {
			if r, ok := cfg.LayerRatios[names[i]]; ok {
				if gcfg.LayerRatios == nil {
					gcfg.LayerRatios = map[string]float64{}
				}
				gcfg.LayerRatios[gnames[g]] = r
			}
		}
	}
	for name := range cfg.LayerRatios {
		if _, ok := at[name]; !ok {
			return nil, fmt.Errorf("select: layer ratio for %q, which is not a scored conv layer", name)
		}
	}
	gplan, err := Select(gnames, gscores, gcfg)
	if err != nil {
		return nil, err
	}
	plan := make(Plan, len(names))
	for g, m := range members {
		for _, i := range m {
			plan[i] = LayerPlan{Name: names[i], Filters: gplan[g].Filters, Keep: slices.Clone(gplan[g].Keep)}
		}
	}
	return plan, nil
}

// meanScores returns the channel-wise mean of the members' scores, which must have one score per
// channel each.
func meanScores(names []string, scores Scores, members []int) ([]float64, error) {
	first := members[0]
	mean := make([]float64, len(scores[first]))
	for _, i := range members {
		if len(scores[i]) != len(mean) {
			return nil, fmt.Errorf("select: coupled convs %q and %q have %d and %d scores, want one per shared channel",
				names[first], names[i], len(mean), len(scores[i]))
		}
		for c, v := range scores[i] {
			mean[c] += v
		}
	}
	for c := range mean {
		mean[c] /= float64(len(members))
	}
	return mean, nil
}

// sameForMembers checks that every member that has a per-layer setting (get's ok) has the first
// such member's value; what names the setting in the error.
func sameForMembers[T comparable](names []string, members []int, what string, get func(i int) (T, bool)) error {
	ref := -1
	var want T
	for _, i := range members {
		v, ok := get(i)
		if !ok {
			continue
		}
		if ref < 0 {
			ref, want = i, v
		} else if v != want {
			return fmt.Errorf("select: coupled convs %q and %q have different %ss (%v and %v)", names[ref], names[i], what, want, v)
		}
	}
	return nil
}

// SelectSpec is SelectGroups with the dependency groups of spec (ChannelGroups): what a
// schedule calls, identical to Select on a spec without residual additions.
func SelectSpec(spec *nets.Spec, names []string, scores Scores, cfg SelectConfig) (Plan, error) {
	groups, err := ChannelGroups(spec)
	if err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	return SelectGroups(names, scores, groups, cfg)
}

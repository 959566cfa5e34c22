package pruner

import (
	"fmt"
	"slices"

	"github.com/hybridprune/hybridprune/nets"
)

// Dependency groups (Torch-Pruning's DepGraph, for the residual additions of nets.Spec). Every
// conv starts a channel space: its output channels and whatever per-channel layers (batch-norm,
// ReLU, pooling, dropout, flatten) carry them. A residual add sums two activations channel by
// channel, so it joins their spaces into one: in a ResNet the stem conv and the conv2 of every
// identity block of stage 1 share one space, and a projection stage's block conv2s with its
// shortcut conv another. Removing channel c of one member without the others would change what the
// add computes, so the convs of one space form a ChannelGroup: they are scored together (the mean
// of their per-channel scores, see SelectGroups) and lose the same channel indices (ExpandPlan),
// and so does the input of every layer reading the space (surgery). A conv outside any addition
// is a group of one, and everything works on it exactly as on a chain.

// ChannelGroup is a set of convs whose output channels a residual addition identifies.
type ChannelGroup struct {
	// Members are the conv layers' names in network order; the first one names the group.
	Members []string
}

// Name is the group's name: its first member's.
func (g ChannelGroup) Name() string { return g.Members[0] }

// channelSpaces computes the channel space of every layer's output: space[i] is the union-find
// root of the conv that created the channels of layer i's output, or -1 for the input images and
// dense outputs (no prunable channels). An addition to the input images or to dense features is
// rejected for a conv space (the input's channels cannot be pruned).
type channelSpaces struct {
	spec   *nets.Spec
	parent []int // union-find over layer indices (only conv indices are roots)
	space  []int // per layer, before find
}

func newChannelSpaces(spec *nets.Spec) (*channelSpaces, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	n := len(spec.Layers)
	c := &channelSpaces{spec: spec, parent: make([]int, n), space: make([]int, n)}
	for i := range c.parent {
		c.parent[i] = i
	}
	for i, l := range spec.Layers {
		in := -1
		if src := spec.SourceOf(i); src >= 0 {
			in = c.space[src]
		}
		switch l.Kind.Channels() {
		case nets.ChannelsProduce:
			c.space[i] = i
		case nets.ChannelsConsume:
			c.space[i] = -1
		case nets.ChannelsJoin:
			other := c.space[spec.Index(l.From)]
			if (in < 0) != (other < 0) {
				return nil, fmt.Errorf("spec %q: add %q joins conv channels with the network input or dense features, which cannot be pruned", spec.Name, l.Name)
			}
			if in >= 0 {
				c.parent[c.find(in)] = c.find(other)
			}
			c.space[i] = in
		default:
			c.space[i] = in
		}
	}
	return c, nil
}

func (c *channelSpaces) find(i int) int {
	for c.parent[i] != i {
		c.parent[i] = c.parent[c.parent[i]]
		i = c.parent[i]
	}
	return i
}

// of returns the root space of layer i's output (-1: none).
func (c *channelSpaces) of(i int) int {
	if i < 0 || c.space[i] < 0 {
		return -1
	}
	return c.find(c.space[i])
}

// input returns the root space of the activation layer i reads.
func (c *channelSpaces) input(i int) int { return c.of(c.spec.SourceOf(i)) }

// groups lists the channel groups, in the network order of their first members.
func (c *channelSpaces) groups() []ChannelGroup {
	at := map[int]int{}
	var out []ChannelGroup
	for _, i := range c.spec.ConvIndices() {
		r := c.of(i)
		g, ok := at[r]
		if !ok {
			g = len(out)
			at[r] = g
			out = append(out, ChannelGroup{})
		}
		out[g].Members = append(out[g].Members, c.spec.Layers[i].Name)
	}
	return out
}

// consumer returns the index of the first conv or dense layer (channel role produce or consume)
// after conv i that reads i's channel space, or -1.
func (c *channelSpaces) consumer(i int) int {
	root := c.of(i)
	for j := i + 1; j < len(c.spec.Layers); j++ {
		if r := c.spec.Layers[j].Kind.Channels(); (r == nets.ChannelsProduce || r == nets.ChannelsConsume) && c.input(j) == root {
			return j
		}
	}
	return -1
}

// ChannelGroups returns the spec's dependency groups, in network order: one per channel space,
// every conv in exactly one. A spec without residual additions has one group per conv.
func ChannelGroups(spec *nets.Spec) ([]ChannelGroup, error) {
	c, err := newChannelSpaces(spec)
	if err != nil {
		return nil, fmt.Errorf("channel groups: %w", err)
	}
	return c.groups(), nil
}

// ExpandPlan makes a plan consistent with the spec's dependency groups: a group member absent
// from the plan gets the kept channels of the members that are in it, so a plan naming one conv
// of a group prunes the whole group. Members planned with different kept channels are an error
// naming both. Plans of specs without residual additions are returned as they are.
func ExpandPlan(spec *nets.Spec, plan Plan) (Plan, error) {
	if !spec.Residual() {
		return plan, nil
	}
	if err := plan.Validate(spec); err != nil {
		return nil, err
	}
	groups, err := ChannelGroups(spec)
	if err != nil {
		return nil, err
	}
	at := map[string]int{}
	for i, l := range plan {
		at[l.Name] = i
	}
	out := slices.Clone(plan)
	for _, g := range groups {
		ref := -1
		for _, m := range g.Members {
			i, ok := at[m]
			if !ok {
				continue
			}
			if ref < 0 {
				ref = i
			} else if !slices.Equal(plan[i].Keep, plan[ref].Keep) {
				return nil, fmt.Errorf("plan: %q and %q meet in a residual addition but keep different channels (%d and %d of %d): coupled convs must keep the same ones",
					plan[ref].Name, m, len(plan[ref].Keep), len(plan[i].Keep), plan[i].Filters)
			}
		}
		if ref < 0 {
			continue
		}
		for _, m := range g.Members {
			if _, ok := at[m]; !ok {
				out = append(out, LayerPlan{Name: m, Filters: plan[ref].Filters, Keep: slices.Clone(plan[ref].Keep)})
			}
		}
	}
	return out, nil
}

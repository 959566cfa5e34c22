package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// MomentumSGD is SGD with (heavy-ball) momentum and L2 weight decay, with PyTorch's update rule:
// v ← μ·v + (g + λ·w); w ← w − lr·v. GoMLX v0.26.0 ships plain SGD only. The learning rate is
// GoMLX's learning-rate variable, so GoMLX schedules (cosine annealing) drive it, and the velocity
// variables live in the context, so checkpoints save and restore them.
type MomentumSGD struct {
	LearningRate float64
	Momentum     float64
	WeightDecay  float64
}

const sgdScope = "sgd_momentum"

// UpdateGraph implements optimizers.Interface.
func (o MomentumSGD) UpdateGraph(ctx *context.Context, g *graph.Graph, loss *graph.Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("MomentumSGD: loss must be a scalar, got %s", loss.Shape()))
	}
	grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
	lr := optimizers.LearningRateVar(ctx, loss.DType(), o.LearningRate).ValueGraph(g)
	_ = optimizers.IncrementGlobalStepGraph(ctx, g, loss.DType())
	i := 0
	for v := range ctx.IterVariables() {
		if !v.Trainable || !v.InUseByGraph(g) {
			continue
		}
		grad := grads[i]
		i++
		w := v.ValueGraph(g)
		if o.WeightDecay > 0 {
			grad = graph.Add(grad, graph.MulScalar(w, o.WeightDecay))
		}
		step := grad
		if o.Momentum > 0 {
			velVar := velocityVar(ctx, v)
			vel := graph.Add(graph.MulScalar(velVar.ValueGraph(g), o.Momentum), grad)
			velVar.SetValueGraph(vel)
			step = vel
		}
		v.SetValueGraph(graph.Sub(w, graph.Mul(step, graph.ConvertDType(lr, w.DType()))))
	}
}

// velocityVar returns the momentum buffer of v, created zero on first use.
func velocityVar(ctx *context.Context, v *context.Variable) *context.Variable {
	scoped := ctx.InAbsPath(context.RootScope + sgdScope + v.Scope()).Checked(false)
	if vel := scoped.GetVariable(v.Name()); vel != nil {
		return vel
	}
	return scoped.WithInitializer(initializers.Zero).VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
}

// Clear implements optimizers.Interface: it drops the momentum buffers.
func (o MomentumSGD) Clear(ctx *context.Context) error {
	if err := ctx.InAbsPath(context.RootScope + sgdScope).DeleteVariablesInScope(); err != nil {
		return fmt.Errorf("clearing momentum buffers: %w", err)
	}
	return nil
}

var _ optimizers.Interface = MomentumSGD{}

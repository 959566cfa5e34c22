package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// LoadWeights creates or overwrites the context variables of the spec's parameters with w, one
// scope per layer ("conv1" -> variables "weight", "bias"). Batch-norm running statistics are
// non-trainable.
func LoadWeights(ctx *context.Context, spec *Spec, w Weights) error {
	return setVariables(ctx, spec, w, true)
}

// InitVariables creates the context variables of the spec's parameters that do not exist yet,
// with the values of w. Variables that exist already, or that an attached checkpoint holds, keep
// their values: that is how a resumed run continues from its checkpoint.
func InitVariables(ctx *context.Context, spec *Spec, w Weights) error {
	return setVariables(ctx, spec, w, false)
}

func setVariables(ctx *context.Context, spec *Spec, w Weights, overwrite bool) error {
	if err := spec.CheckWeights(w); err != nil {
		return err
	}
	for _, p := range spec.Params() {
		layer, name := layerOf(p.Name), p.Name[len(layerOf(p.Name))+1:]
		t := tensors.FromFlatDataAndDimensions(append([]float32(nil), w[p.Name].Data...), p.Shape...)
		scoped := ctx.In(layer).Checked(false)
		if v := scoped.GetVariable(name); v != nil {
			v.SetTrainable(p.Trainable)
			if !v.Shape().Equal(t.Shape()) {
				return fmt.Errorf("variable %s has shape %s in the context (checkpoint?), want %v", p.Name, v.Shape(), p.Shape)
			}
			if overwrite {
				if err := v.SetValue(t); err != nil {
					return fmt.Errorf("setting variable %s: %w", p.Name, err)
				}
			}
			continue
		}
		scoped.VariableWithValue(name, t).SetTrainable(p.Trainable)
	}
	return nil
}

// ReadWeights copies the spec's parameters out of the context variables.
func ReadWeights(ctx *context.Context, spec *Spec) (Weights, error) {
	w := make(Weights)
	for _, p := range spec.Params() {
		layer, name := layerOf(p.Name), p.Name[len(layerOf(p.Name))+1:]
		v := ctx.In(layer).GetVariable(name)
		if v == nil {
			return nil, fmt.Errorf("reading weights of %q: no variable %s in the context", spec.Name, p.Name)
		}
		val, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", p.Name, err)
		}
		data, err := tensors.CopyFlatData[float32](val)
		if err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", p.Name, err)
		}
		w[p.Name] = &Tensor{Shape: append([]int(nil), p.Shape...), Data: data}
	}
	return w, spec.CheckWeights(w)
}

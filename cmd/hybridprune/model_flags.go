package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/data"
)

// dataFlags are the flags shared by commands that read a dataset.
type dataFlags struct {
	dataset, dataDir string
	limitTrainP      *int
	limitTestP       *int
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dataset, "dataset", "mnist", "dataset: "+datasetList())
	fs.StringVar(&d.dataDir, "data", "", "data directory (default $HYBRIDPRUNE_DATA, else the user cache dir)")
	d.limitTrainP = intAtLeast(fs, "limit-train", 0, 0, "use only the first N training examples (0: all)")
	d.limitTestP = intAtLeast(fs, "limit-test", 0, 0, "use only the first N test examples (0: all)")
}

// modelList lists the zoo's models for help texts ("alexnet, resnet18, ..."), from nets.Zoo.
func modelList() string { return strings.Join(nets.ModelNames(), ", ") }

// datasetList lists the datasets for help texts, from the data registry.
func datasetList() string { return strings.Join(data.Names(), ", ") }

func (d *dataFlags) load(split data.Split) (*data.Dataset, error) {
	ds, err := data.Load(d.dataset, split, data.DataDir(d.dataDir))
	if err != nil {
		return nil, err
	}
	limit := *d.limitTrainP
	if split == data.Test {
		limit = *d.limitTestP
	}
	if limit > 0 && limit < ds.N {
		ds = ds.Subset(limit)
	}
	return ds, nil
}

// loadSplits loads the training and the test split.
func (d *dataFlags) loadSplits() (train, test *data.Dataset, err error) {
	if train, err = d.load(data.Train); err != nil {
		return nil, nil, err
	}
	if test, err = d.load(data.Test); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// specFor builds a zoo model sized for the dataset.
func specFor(model string, ds *data.Dataset) (*nets.Spec, error) {
	spec, err := nets.ByName(model, ds.C, ds.NumClasses)
	if err != nil {
		return nil, err
	}
	if ds.H != spec.Input.H || ds.W != spec.Input.W {
		return nil, fmt.Errorf("model %s takes %dx%d images, dataset %s has %dx%d", model, spec.Input.H, spec.Input.W, ds.Name, ds.H, ds.W)
	}
	return spec, nil
}

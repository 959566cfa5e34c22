// Package data loads the image-classification datasets hybridprune trains and evaluates on
// (MNIST, CIFAR-10, CIFAR-100, SVHN) from their canonical files, downloads missing files, and
// turns a dataset into normalised, optionally shuffled and augmented float32 NCHW batches, also
// as a GoMLX train.Dataset.
//
// Every dataset is delivered as 32x32 images in NCHW order (N x C x H x W, uint8): MNIST's 28x28
// digits are zero-padded by 2 pixels on each side at load time, so every net takes 32x32 inputs.
//
// Files live in <dir>/<name>/ where dir comes from [DataDir] and name is one of [Names]; see
// [Registry] for the canonical files of each dataset and how their md5 sums are checked.
package data

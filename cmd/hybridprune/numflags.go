package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
)

// Numeric flags are validated while parsing, so bad input (NaN, Inf, zero or negative where a
// positive number is needed) is rejected before any work starts, with the flag's name.

// floatRange defines a float64 flag that must be finite and in [lo, hi] (lo excluded when
// openLo); it returns the value's address.
func floatRange(fs *flag.FlagSet, name string, def, lo, hi float64, openLo bool, usage string) *float64 {
	v := def
	fs.Func(name, fmt.Sprintf("%s (default %g)", usage, def), func(s string) error {
		x, err := parseFloatIn(s, lo, hi, openLo)
		if err != nil {
			return err
		}
		v = x
		return nil
	})
	return &v
}

// optionalFloat defines a float64 flag that stays nil unless given; a given value must be finite
// and in [lo, hi].
func optionalFloat(fs *flag.FlagSet, name string, lo, hi float64, usage string) **float64 {
	var p *float64
	fs.Func(name, usage, func(s string) error {
		x, err := parseFloatIn(s, lo, hi, false)
		if err != nil {
			return err
		}
		p = &x
		return nil
	})
	return &p
}

func parseFloatIn(s string, lo, hi float64, openLo bool) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("not a number")
	}
	if math.IsNaN(x) || math.IsInf(x, 0) || x < lo || x > hi || (openLo && x == lo) {
		lb := "["
		if openLo {
			lb = "("
		}
		return 0, fmt.Errorf("%g outside %s%g, %g]", x, lb, lo, hi)
	}
	return x, nil
}

// positiveInt defines an int flag that must be > 0.
func positiveInt(fs *flag.FlagSet, name string, def int, usage string) *int {
	return intAtLeast(fs, name, def, 1, usage)
}

// intAtLeast defines an int flag that must be >= lo.
func intAtLeast(fs *flag.FlagSet, name string, def, lo int, usage string) *int {
	v := def
	fs.Func(name, fmt.Sprintf("%s (default %d)", usage, def), func(s string) error {
		x, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		if x < lo {
			return fmt.Errorf("%d is less than %d", x, lo)
		}
		v = x
		return nil
	})
	return &v
}

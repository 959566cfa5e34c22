package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// LoadSweep reads a sweep configuration (JSON; unknown fields are errors, so a typo never
// silently falls back to a default) and validates it. Errors name the file.
func LoadSweep(path string) (Sweep, error) {
	var s Sweep
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("experiment: reading sweep config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("experiment: %s: %w", path, err)
	}
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("experiment: %s: %w", path, err)
	}
	return s, nil
}

package experiment

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// hashConfig is the key of a unit: the first 16 hex digits of the SHA-256 of its compact JSON
// configuration.
func hashConfig(cfg json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, cfg); err != nil {
		buf.Reset()
		buf.Write(cfg)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:8])
}

// configJSON marshals a unit configuration (struct fields in declaration order, so equal
// configurations give equal bytes).
func configJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("experiment: unit configuration is not JSON: " + err.Error())
	}
	return b
}

package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
)

// contentReader reads a data file's content, transparently decompressing gzip (detected by its
// magic bytes, whatever the file name), and hashes the content read with md5.
type contentReader struct {
	path string
	f    *os.File
	gz   *gzip.Reader
	r    io.Reader
	h    hash.Hash
}

// openContent opens path for reading its (decompressed) content.
func openContent(path string) (*contentReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	br := bufio.NewReaderSize(f, 1<<20)
	c := &contentReader{path: path, f: f, h: md5.New()}
	magic, _ := br.Peek(2)
	var src io.Reader = br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("data: %s: invalid gzip header: %w", path, err)
		}
		gz.Multistream(true)
		c.gz = gz
		src = gz
	} else if strings.HasSuffix(path, ".gz") {
		f.Close()
		return nil, fmt.Errorf("data: %s: expected a gzip file (name ends in .gz) but it lacks the gzip magic bytes 1f 8b", path)
	}
	c.r = io.TeeReader(src, c.h)
	return c, nil
}

// Read reads decompressed content.
func (c *contentReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("data: %s: reading: %w", c.path, err)
	}
	return n, err
}

// sizeHint guesses the content size to size the read buffer: the file size, or for gzip the
// ISIZE trailer (the uncompressed size modulo 2^32).
func (c *contentReader) sizeHint() int {
	st, err := c.f.Stat()
	if err != nil {
		return 0
	}
	if c.gz == nil {
		return int(st.Size())
	}
	var tail [4]byte
	if st.Size() < 18 {
		return 0
	}
	if _, err := c.f.ReadAt(tail[:], st.Size()-4); err != nil {
		return 0
	}
	return int(binary.LittleEndian.Uint32(tail[:]))
}

// readAll returns the whole remaining content.
func (c *contentReader) readAll() ([]byte, error) {
	var buf bytes.Buffer
	if hint := c.sizeHint(); hint > 0 && hint < 1<<31 {
		buf.Grow(hint + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// finish reads any content left (so a corrupt gzip stream or trailing data is noticed), and
// returns the md5 of the whole content in hex.
func (c *contentReader) finish() (string, error) {
	if _, err := io.Copy(io.Discard, c); err != nil {
		return "", err
	}
	return hex.EncodeToString(c.h.Sum(nil)), nil
}

// Close closes the file.
func (c *contentReader) Close() error {
	if c.gz != nil {
		c.gz.Close()
	}
	return c.f.Close()
}

// readContent reads the whole (decompressed) content of path and returns it with its md5 in hex.
func readContent(path string) ([]byte, string, error) {
	c, err := openContent(path)
	if err != nil {
		return nil, "", err
	}
	defer c.Close()
	b, err := c.readAll()
	if err != nil {
		return nil, "", err
	}
	sum, err := c.finish()
	return b, sum, err
}

// checkMD5 returns an error naming path when want is set and differs from got.
func checkMD5(path, what, want, got string) error {
	if want == "" || strings.EqualFold(want, got) {
		return nil
	}
	return fmt.Errorf("data: %s: md5 of %s is %s, expected %s (corrupt or wrong file: delete it so it is fetched again)",
		path, what, got, want)
}

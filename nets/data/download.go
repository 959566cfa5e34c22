package data

import (
	"archive/tar"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// remote applies the Loader's BaseURL override to r.
func (l *Loader) remote(r Remote) Remote {
	if l.BaseURL != "" {
		r.BaseURL = l.BaseURL
	}
	return r
}

// download fetches the remotes of the missing files. For an archive it extracts every file of the
// entry (both splits) that comes from that archive and is not present yet, so the archive is
// downloaded once.
func (l *Loader) download(dir string, entry Entry, missing []File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating dataset directory: %w", err)
	}
	done := map[Remote]bool{}
	all := append(append([]File(nil), entry.Train...), entry.Test...)
	for _, m := range missing {
		if done[m.Remote] {
			continue
		}
		done[m.Remote] = true
		var want []File
		for _, f := range all {
			if f.Remote == m.Remote && locate(dir, f) == "" && !containsFile(want, f) {
				want = append(want, f)
			}
		}
		if err := l.fetch(dir, m.Remote, want); err != nil {
			return err
		}
	}
	return nil
}

// containsFile reports whether files holds a file named like f.
func containsFile(files []File, f File) bool {
	for _, g := range files {
		if g.Name == f.Name {
			return true
		}
	}
	return false
}

// fetch downloads r into a temporary file of dir, checks its md5 and then either renames it to the
// single file it is, or extracts the wanted members of the archive it is. Nothing but verified
// files remains in dir afterwards.
func (l *Loader) fetch(dir string, r Remote, want []File) error {
	r = l.remote(r)
	url := r.URL()
	if l.Log != nil {
		fmt.Fprintf(l.Log, "data: downloading %s into %s\n", url, dir)
	}
	tmp, err := os.CreateTemp(dir, ".download-*-"+r.Name)
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath) // no-op once renamed
	sum, err := l.get(url, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("downloading %s: %w", url, err)
	}
	if r.MD5 != "" && !strings.EqualFold(sum, r.MD5) {
		return fmt.Errorf("downloaded %s (%s) has md5 %s, expected %s", url, r.Name, sum, r.MD5)
	}
	if len(want) == 1 && want[0].Member == "" {
		if err := os.Rename(tmpPath, filepath.Join(dir, want[0].Name)); err != nil {
			return fmt.Errorf("installing %s: %w", want[0].Name, err)
		}
		return nil
	}
	return extract(tmpPath, url, dir, want)
}

// get streams url into w and returns the md5 of what it wrote.
func (l *Loader) get(url string, w io.Writer) (string, error) {
	client := l.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP status %s", resp.Status)
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(w, h), resp.Body)
	if err != nil {
		return "", err
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return "", fmt.Errorf("truncated download: %d of %d bytes", n, resp.ContentLength)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extract copies the wanted members of the .tar.gz archive at archivePath into dir, each through a
// temporary file, checking its content md5 before renaming it to its File.Name.
func extract(archivePath, url, dir string, want []File) error {
	f, err := os.Open(archivePath)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("archive %s: %w", url, err)
	}
	defer gz.Close()
	byMember := map[string]File{}
	for _, w := range want {
		if w.Member == "" {
			return fmt.Errorf("registry: %s is listed with archive %s but has no member path", w.Name, url)
		}
		byMember[path.Clean(w.Member)] = w
	}
	tr := tar.NewReader(gz)
	for len(byMember) > 0 {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("archive %s: %w", url, err)
		}
		member := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		file, ok := byMember[member]
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := extractOne(tr, dir, file, url); err != nil {
			return err
		}
		delete(byMember, member)
	}
	for m := range byMember {
		return fmt.Errorf("archive %s has no member %s", url, m)
	}
	return nil
}

// extractOne writes one archive member to dir/file.Name via a temporary file.
func extractOne(r io.Reader, dir string, file File, url string) error {
	tmp, err := os.CreateTemp(dir, ".extract-*-"+file.Name)
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath)
	h := md5.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("extracting %s from %s: %w", file.Member, url, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); file.MD5 != "" && !strings.EqualFold(sum, file.MD5) {
		return fmt.Errorf("member %s of %s has md5 %s, expected %s", file.Member, url, sum, file.MD5)
	}
	if err := os.Rename(tmpPath, filepath.Join(dir, file.Name)); err != nil {
		return fmt.Errorf("installing %s: %w", file.Name, err)
	}
	return nil
}

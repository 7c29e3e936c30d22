package aesgcm

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// keyFileHeader opens every key file saasd writes, so whoever finds the file
// knows that losing it loses the sealed tenant passwords.
const keyFileHeader = "# saasd tenant secret key ring: back it up; every replica needs the same file. First key seals, all keys open.\n"

// maxKeyFileSize bounds what is read: a ring of a thousand keys fits with room to spare.
const maxKeyFileSize = 64 << 10

// LoadOrCreateKeyFile returns the key ring stored at path for New: one base64
// key of 32 bytes per line, the first sealing; blank lines and lines starting
// with '#' are ignored. A file that is readable by group or others, holds no
// key or has a line that is not a key is refused with an error naming path.
//
// If path does not exist, LoadOrCreateKeyFile creates it (and its parent
// directory, mode 0700) holding one new random key, mode 0600, and reports
// created. The file appears complete or not at all, and when several
// processes start at once only one creates it: the others read its key.
func LoadOrCreateKeyFile(path string) (keys []string, created bool, err error) {
	keys, err = readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return keys, false, err
	}
	keys, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and our link: its key wins.
		keys, err = readKeyFile(path)
		return keys, false, err
	}
	if err != nil {
		return nil, false, err
	}
	return keys, true, nil
}

// readKeyFile parses the key file at path; the error wraps fs.ErrNotExist
// if there is none.
func readKeyFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the mode checked is that of the bytes read.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("key file %s: mode %04o lets group or others read it (fix with: chmod 600 %s)", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("key file %s: larger than %d bytes", path, maxKeyFileSize)
	}
	var keys []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// The line itself stays out of the message: it may be a mangled key.
		if raw, err := base64.StdEncoding.DecodeString(line); err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("key file %s: line %d is not the base64 of 32 bytes", path, i+1)
		}
		keys = append(keys, line)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("key file %s: no key", path)
	}
	return keys, nil
}

// createKeyFile writes a new one-key ring to path. The key is written to a
// temporary file that is then hard-linked to path, so readers never see a
// partial file and a path that appeared meanwhile is never replaced: the
// error then wraps fs.ErrExist.
func createKeyFile(path string) ([]string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("key file %s: generate key: %w", path, err)
	}
	key := base64.StdEncoding.EncodeToString(raw)

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	// CreateTemp opens with O_EXCL and mode 0600.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(keyFileHeader + key + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("key file %s: write %s: %w", path, tmp.Name(), err)
	}
	// Unlike rename, link fails if path exists, so a concurrent creator's key is kept.
	if err := os.Link(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	// Sync the directory so the new name survives a crash: values sealed with
	// the key may be committed elsewhere the moment we return.
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return []string{key}, nil
}

// syncDir flushes the entries of directory dir to stable storage.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

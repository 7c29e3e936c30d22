// Package aesgcm seals secrets (tenant database passwords) with AES-256-GCM
// under a key ring: the first key seals, every key opens, so keys can be
// rotated by putting a new one first and re-sealing at leisure.
package aesgcm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/saasd/saasd/ports"
)

var _ ports.Sealer = (*Ring)(nil)

// Ring is a list of AES-256 keys.
type Ring struct {
	keys []cipher.AEAD
}

// New reads base64 keys of 32 bytes each; the first seals.
func New(keys []string) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no keys")
	}
	r := &Ring{}
	for i, k := range keys {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k))
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("key %d is not 32 bytes of base64 (make one with: head -c32 /dev/urandom | base64)", i+1)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.keys = append(r.keys, aead)
	}
	return r, nil
}

// Seal encrypts plaintext with the first key as "v1.<key index>.<base64 nonce+ciphertext>".
func (r *Ring) Seal(plaintext string) (string, error) {
	aead := r.keys[0]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return "v1.0." + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Open decrypts a sealed value with whichever key of the ring opens it.
func (r *Ring) Open(sealed string) (string, error) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", errors.New("not a sealed value")
	}
	if _, err := strconv.Atoi(parts[1]); err != nil {
		return "", errors.New("not a sealed value")
	}
	raw, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil {
		return "", errors.New("not a sealed value")
	}
	for _, aead := range r.keys {
		if len(raw) < aead.NonceSize() {
			break
		}
		if plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil); err == nil {
			return string(plain), nil
		}
	}
	return "", errors.New("no key of the ring opens this value")
}

package aesgcm_test

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/saasd/saasd/adapters/aesgcm"
)

func key() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func TestSealOpenRotate(t *testing.T) {
	t.Parallel()
	old, next := key(), key()
	r1, err := aesgcm.New([]string{old})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := r1.Seal("hunter2-secret")
	if err != nil || strings.Contains(sealed, "hunter2") {
		t.Fatalf("Seal = %q, %v", sealed, err)
	}
	if again, _ := r1.Seal("hunter2-secret"); again == sealed {
		t.Fatal("two seals of one secret are equal: nonce reused")
	}
	// Rotation: the new key first, the old one still opens old values.
	r2, _ := aesgcm.New([]string{next, old})
	if got, err := r2.Open(sealed); err != nil || got != "hunter2-secret" {
		t.Fatalf("Open after rotation = %q, %v", got, err)
	}
	resealed, _ := r2.Seal("hunter2-secret")
	if _, err := r1.Open(resealed); err == nil {
		t.Fatal("a ring without the new key opened a value sealed with it")
	}
	// Tampering is detected.
	if _, err := r2.Open(sealed[:len(sealed)-2] + "AA"); err == nil {
		t.Fatal("tampered value opened")
	}
	for _, bad := range [][]string{nil, {"short"}, {"!!!"}} {
		if _, err := aesgcm.New(bad); err == nil {
			t.Errorf("New(%v) accepted", bad)
		}
	}
}

// Package bcrypt implements ports.PasswordHasher with bcrypt.
package bcrypt

import (
	"errors"

	"golang.org/x/crypto/bcrypt"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/ports"
)

var _ ports.PasswordHasher = Hasher{}

// Hasher hashes with bcrypt at Cost (bcrypt.DefaultCost when zero).
type Hasher struct{ Cost int }

// Hash returns the bcrypt hash of password.
func (h Hasher) Hash(password string) (string, error) {
	cost := h.Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(b), err
}

// Compare returns core.Unauthorized unless password matches hash.
func (Hasher) Compare(hash, password string) error {
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) || errors.Is(err, bcrypt.ErrHashTooShort) {
		return core.Errorf(core.Unauthorized, "invalid email or password")
	}
	return err
}

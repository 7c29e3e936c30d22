package crud

import (
	"context"
	"strings"

	"github.com/saasd/saasd/core"
	"github.com/saasd/saasd/core/quota"
)

// SlugField is the field a schema with Endpoints.SlugFrom keeps its slug
// in; the tenant table has a unique index on it.
const SlugField = "slug"

// maxSlugTries bounds the inserts one create makes while other creates take
// the slugs it tries.
const maxSlugTries = 20

// Insert stores one decoded record, charged to the quota in ctx: its Owner
// is the signed-in user, and with SlugFrom its slug is made from that field
// and is unique in the tenant: the first of name, name-2, name-3, … that the
// table's unique index accepts. Two creates racing for one slug both end up
// stored, under different slugs, because the index, not a prior read,
// decides which one wins.
func (r *Endpoints) Insert(ctx context.Context, rec core.Record) (core.Record, error) {
	if r.Owner != "" {
		if u, ok := core.UserFrom(ctx); ok {
			rec[r.Owner] = u.ID
		}
	}
	create := func() (core.Record, error) {
		out, err := r.Store.Create(ctx, tenantOf(ctx), r.Schema, []core.Record{rec}, quota.From(ctx))
		if err != nil {
			return nil, err
		}
		return out[0], nil
	}
	if r.SlugFrom == "" {
		return create()
	}
	name, _ := rec[r.SlugFrom].(string)
	base := core.Slug(name, strings.ToLower(r.Label))
	n, err := r.firstFree(ctx, base)
	if err != nil {
		return nil, err
	}
	for try := 0; try < maxSlugTries; try++ {
		rec[SlugField] = core.SlugN(base, n+try)
		out, err := create()
		if core.KindOf(err) != core.Conflict {
			return out, err
		}
	}
	return nil, core.Errorf(core.Conflict, "too many %ss are being created with this name at once; try again", strings.ToLower(r.Label))
}

// firstFree guesses the first n whose slug SlugN(base, n) is free, in
// O(log n) reads: taken slugs are base, base-2, … up to a gap, so it
// doubles n until a slug is free and then bisects. A wrong guess (a create
// in between, a gap left by a delete) costs only another try in Insert.
func (r *Endpoints) firstFree(ctx context.Context, base string) (int, error) {
	taken := func(n int) (bool, error) {
		_, err := r.BySlug(ctx, core.SlugN(base, n))
		if core.KindOf(err) == core.NotFound {
			return false, nil
		}
		return err == nil, err
	}
	lo, hi := 0, 1 // SlugN(base, lo) is taken (lo 0: nothing known), hi is the candidate
	for {
		t, err := taken(hi)
		if err != nil {
			return 0, err
		}
		if !t {
			break
		}
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		t, err := taken(mid)
		if err != nil {
			return 0, err
		}
		if t {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}

// BySlug returns the record whose slug is slug. Returns core.NotFound.
func (r *Endpoints) BySlug(ctx context.Context, slug string) (core.Record, error) {
	recs, _, err := r.Store.List(ctx, tenantOf(ctx), r.Schema, core.ListQuery{Page: 1, Limit: 1, Filters: map[string]any{SlugField: slug}})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, r.notFound()
	}
	return recs[0], nil
}

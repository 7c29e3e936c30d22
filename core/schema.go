package core

import (
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FieldType is the kind of value a record field holds.
type FieldType string

// Field types. Money is held in minor units; Date is a calendar day.
const (
	TextField  FieldType = "text"
	EmailField FieldType = "email"
	IntField   FieldType = "int"
	MoneyField FieldType = "money"
	DateField  FieldType = "date"
	EnumField  FieldType = "enum"
	RefField   FieldType = "ref" // the id of a row in another tenant table
	BoolField  FieldType = "bool"
	// PhoneField is a phone number, sent as a string or (seed 003 types
	// them as numbers) a JSON number, and kept as text: digits, spaces and
	// + - ( ) . only.
	PhoneField FieldType = "phone"
)

// Field describes one column of a tenant record that clients may set.
type Field struct {
	Name     string
	Type     FieldType
	Required bool
	Max      int      // Text/Email: most characters (default 191)
	Values   []string // Enum: allowed values, the first is the default
	// Aliases are other spellings an Enum accepts: alias -> value
	// ("admin" -> "administrator"); values are stored and answered.
	Aliases  map[string]string
	Ref      string // Ref: the table the id must exist in
	Search   bool   // matched by ?search=
	Filter   bool   // exact match by ?<name>=
	Computed bool   // set by the server, never by the client (e.g. totals)
	Positive bool   // Money: greater than 0 (a transaction's amount; its type says the sign)
	Unique   bool   // a unique index guards it in the tenant database
}

// Schema describes a tenant table the generic record store serves. Table
// and field names come from code, never from clients.
type Schema struct {
	Table string
	// Counts is the quota resource whose usage is this table's row count;
	// the store keeps that count in the tenant's usage_counters as rows come
	// and go. "" for tables no plan limits.
	Counts     Resource
	Fields     []Field
	DateFilter string       // filtered by ?date_from= and ?date_to=
	Items      *ItemsSchema // line items stored in a child table
	Total      string       // Money field computed from the items
	// Hidden columns are written by server-side hooks (a password hash) and
	// never read back into a record.
	Hidden []string
	// Inputs are body keys that are not fields but that server-side hooks
	// read (a password to hash); any other key is refused as unknown.
	Inputs []string
	// Number, when set, makes a Computed text field a per-tenant sequence
	// the store assigns in the insert's transaction (INV-2026-0001).
	Number *Numbering
	// Credential is the hidden column holding a row's password hash, for
	// the users table: an update that sets it ends the row's login sessions
	// in the same transaction, all but the one making the request
	// (core.SessionFrom, when the user changes their own), so that a changed password
	// locks out whoever knew the old one.
	Credential string
	// Keep, when set, is a value that at least one row must keep: an update
	// or delete that would leave no row with it is refused with
	// core.Conflict, checked under lock in the change's own transaction.
	Keep *Keep
}

// Numbering is a per-tenant, per-year sequence of record numbers: Prefix,
// the year, "-", the year's counter padded to Width digits. The store takes
// the counter from a row it locks and updates in the transaction of the
// insert, so numbers have neither gaps nor duplicates: a create that fails
// rolls its number back with it (a deleted record leaves its number unused).
type Numbering struct {
	Field  string // the Computed text field that holds the number
	Prefix string // "INV-"
	// YearOf is the Date field whose year starts the number; the creation
	// time's year when that field is empty.
	YearOf string
	Width  int // digits of the counter at least (4: 0001)
}

// Sequence names the counter of year: "INV-2026".
func (n Numbering) Sequence(year int) string { return n.Prefix + strconv.Itoa(year) }

// Format returns the number of the seq-th record of year: "INV-2026-0001".
func (n Numbering) Format(year int, seq int64) string {
	return fmt.Sprintf("%s-%0*d", n.Sequence(year), n.Width, seq)
}

// Keep says that some row of a table must always have Field = Value, such
// as a tenant's last admin (role = admin). Message is the error's.
type Keep struct {
	Field, Value, Message string
}

// ItemsSchema is a child table of line items {description, qty, amount}.
type ItemsSchema struct {
	Table string
	FK    string
}

// Item is one line of an invoice or quote; Amount is per unit.
type Item struct {
	Description string `json:"description"`
	Qty         int64  `json:"qty"`
	Amount      Money  `json:"amount"`
}

// Record is a row of a tenant table: field name -> value, with "id",
// "created_at", "updated_at" and, for schemas with items, "items" ([]Item).
type Record map[string]any

// Field returns the named field of s.
func (s *Schema) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// ListQuery selects a page of records.
type ListQuery struct {
	Page     int
	Limit    int
	Search   string
	Filters  map[string]any // field -> exact value
	DateFrom *time.Time
	DateTo   *time.Time
	// Set lists fields that must hold a value (IS NOT NULL).
	Set []string
	// OnePer keeps only the newest record of each distinct value of this
	// field ("one product of each user"); "" keeps all.
	OnePer string
	// OrderBy sorts by this field (or "id") ascending, then by id; "" is
	// newest first.
	OrderBy string
}

// Decode validates raw client values (as decoded from JSON with UseNumber)
// against s and returns typed values: string, int64, Money, time.Time (dates)
// or nil. With partial set (updates), absent fields are left out and
// required fields are not demanded. Returns core.Invalid naming every field.
func (s *Schema) Decode(raw map[string]any, partial bool) (Record, error) {
	out := Record{}
	errs := map[string]string{}
	for _, f := range s.Fields {
		if f.Computed {
			continue
		}
		v, present := raw[f.Name]
		if !present || v == nil || v == "" {
			switch {
			case f.Required && (!partial || present):
				errs[f.Name] = "is required"
			case !partial || present:
				out[f.Name] = f.zero()
			}
			continue
		}
		val, err := f.decode(v)
		if err != nil {
			errs[f.Name] = err.Error()
			continue
		}
		out[f.Name] = val
	}
	if s.Items != nil {
		if v, present := raw["items"]; present || !partial {
			items, err := DecodeItems(v)
			if err != nil {
				errs["items"] = err.Error()
			} else {
				out["items"] = items
			}
		}
	}
	for k := range raw {
		if _, taken := errs[k]; !taken {
			if why := s.unknown(k); why != "" {
				errs[k] = why
			}
		}
	}
	if len(errs) > 0 {
		return nil, InvalidFields(errs)
	}
	return out, nil
}

// unknown says why a client may not send key, or "" when it may.
func (s *Schema) unknown(key string) string {
	if f, ok := s.Field(key); ok {
		if f.Computed {
			return "is computed by the server and cannot be set"
		}
		return ""
	}
	switch {
	case key == "items" && s.Items != nil, slices.Contains(s.Inputs, key):
		return ""
	case key == "id", key == "created_at", key == "updated_at":
		return "is set by the server and cannot be set"
	}
	return "is not a field of this resource"
}

// zero is the value of an optional field left empty: "" for text, 0 for
// money, false, the first value of an enum, NULL for numbers, references and
// dates.
func (f Field) zero() any {
	switch f.Type {
	case TextField, EmailField, PhoneField:
		return ""
	case BoolField:
		return false
	case MoneyField:
		return Money(0)
	case EnumField:
		if len(f.Values) > 0 {
			return f.Values[0]
		}
	}
	return nil
}

func (f Field) decode(v any) (any, error) {
	text := func() (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("must be a string")
		}
		s = strings.TrimSpace(s)
		max := f.Max
		if max == 0 {
			max = 191
		}
		if len([]rune(s)) > max {
			return "", fmt.Errorf("must be at most %d characters", max)
		}
		return s, nil
	}
	switch f.Type {
	case TextField:
		return text()
	case EmailField:
		s, err := text()
		if err != nil {
			return nil, err
		}
		if a, perr := mail.ParseAddress(s); perr != nil || a.Address != s || !strings.Contains(s, ".") {
			return nil, fmt.Errorf("must be a valid email address")
		}
		return s, nil
	case EnumField:
		s, err := text()
		if err != nil {
			return nil, err
		}
		for _, allowed := range f.Values {
			if strings.EqualFold(s, allowed) {
				return allowed, nil
			}
		}
		for alias, value := range f.Aliases {
			if strings.EqualFold(s, alias) {
				return value, nil
			}
		}
		return nil, fmt.Errorf("must be one of %s", strings.Join(f.Values, ", "))
	case PhoneField:
		if _, isNumber := v.(fmt.Stringer); isNumber { // json.Number
			v = numberText(v)
		}
		s, err := text()
		if err != nil {
			return nil, fmt.Errorf("must be a phone number (a string or a number)")
		}
		if len(s) > 50 || strings.Trim(s, "0123456789+-() .") != "" {
			return nil, fmt.Errorf("must be a phone number: at most 50 digits, spaces and + - ( ) .")
		}
		return s, nil
	case BoolField:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string: // a query parameter
			if n, err := strconv.ParseBool(b); err == nil {
				return n, nil
			}
		}
		return nil, fmt.Errorf("must be true or false")
	case IntField, RefField:
		n, err := intOf(v)
		if err != nil || (f.Type == RefField && n <= 0) {
			return nil, fmt.Errorf("must be a positive integer")
		}
		return n, nil
	case MoneyField:
		m, err := ParseMoney(numberText(v))
		if err != nil {
			return nil, fmt.Errorf("must be an amount with at most two decimals")
		}
		if f.Positive && m <= 0 {
			return nil, fmt.Errorf("must be greater than 0")
		}
		return m, nil
	case DateField:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be a date such as 2024-01-15")
		}
		d, err := ParseDate(s)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	return nil, fmt.Errorf("unsupported field")
}

// ParseDate reads YYYY-MM-DD, or the date part of an RFC 3339 time.
func ParseDate(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		y, m, d := t.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, fmt.Errorf("must be a date such as 2024-01-15")
}

func numberText(v any) string {
	switch n := v.(type) {
	case string:
		return n
	case fmt.Stringer: // json.Number
		return n.String()
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return "x"
}

func intOf(v any) (int64, error) {
	n, err := strconv.ParseInt(numberText(v), 10, 64)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// DecodeItems validates line items: at least one, each with a description,
// a quantity of at least 1 and a non-negative amount.
func DecodeItems(v any) ([]Item, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("must be a non-empty list of {description, qty, amount}")
	}
	if len(list) > 500 {
		return nil, fmt.Errorf("must have at most 500 items")
	}
	items := make([]Item, 0, len(list))
	for i, raw := range list {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d must be an object", i+1)
		}
		for k := range m {
			if k != "description" && k != "qty" && k != "amount" {
				return nil, fmt.Errorf("item %d: %q is not a field of an item (description, qty, amount)", i+1, k)
			}
		}
		desc, _ := m["description"].(string)
		desc = strings.TrimSpace(desc)
		if desc == "" || len(desc) > 255 {
			return nil, fmt.Errorf("item %d: description is required (at most 255 characters)", i+1)
		}
		qty := int64(1)
		if q, present := m["qty"]; present {
			n, err := intOf(q)
			if err != nil || n < 1 || n > 1_000_000 {
				return nil, fmt.Errorf("item %d: qty must be an integer from 1 to 1000000", i+1)
			}
			qty = n
		}
		amount, err := ParseMoney(numberText(m["amount"]))
		if err != nil || amount < 0 || amount > MaxPrice {
			return nil, fmt.Errorf("item %d: amount must be a non-negative amount with at most two decimals", i+1)
		}
		items = append(items, Item{Description: desc, Qty: qty, Amount: amount})
	}
	return items, nil
}

// TotalOf adds up items exactly, in minor units. Items that passed
// DecodeItems are bounded (500 × 1,000,000 × MaxPrice) but their total can
// still leave int64 cents: that is core.Invalid naming "items", never a
// wrapped total.
func TotalOf(items []Item) (Money, error) {
	var total Money
	for _, it := range items {
		line, err := it.Amount.Mul(it.Qty)
		if err == nil {
			total, err = total.Add(line)
		}
		if err != nil {
			return 0, InvalidFields(map[string]string{"items": "the total is too large (at most " + Money(math.MaxInt64).String() + ")"})
		}
	}
	return total, nil
}

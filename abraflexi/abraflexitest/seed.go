package abraflexitest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
)

func (s *Server) seedDefaults() {
	x := s.begin()
	x.silent = true
	put := func(ev string, fields map[string]any) {
		if _, err := s.putLocked(x, ev, fields); err != nil {
			panic(err)
		}
	}
	for _, c := range []string{"CZK", "EUR", "USD"} {
		put(evCurrency, map[string]any{"kod": c, "nazev": c})
	}
	for _, code := range DefaultLabels {
		put(abraflexi.EvidenceLabel, map[string]any{"kod": code, "nazev": code,
			"vsbAdr": true, "vsbFav": true, "vsbBan": true, "vsbPok": true, "vsbSml": true})
	}
	names := map[string]string{"FAKTURA": "Faktura", "ZALOHA": "Zálohová faktura", "DOBROPIS": "Dobropis", "PROFORMA": "Proforma faktura"}
	for _, code := range []string{"FAKTURA", "ZALOHA", "DOBROPIS", "PROFORMA"} {
		put(abraflexi.EvidenceInvoiceType, map[string]any{"kod": code, "nazev": names[code], "typDoklK": DefaultInvoiceTypes[code]})
	}
	for _, code := range DefaultContractTypes {
		put(abraflexi.EvidenceContractType, map[string]any{"kod": code, "nazev": code})
	}
	for _, code := range []string{"PLATNA", "UKONCENA"} {
		put(evContractState, map[string]any{"kod": code, "nazev": code})
	}
	x.commit()
}

// putLocked writes one record with seeding privileges (read-only fields
// and explicit numeric ids accepted).
func (s *Server) putLocked(x *tx, evidence string, fields map[string]any) (abraflexi.ID, error) {
	t, ok := s.tables[evidence]
	if !ok {
		return abraflexi.ID{}, fmt.Errorf("unknown evidence %q", evidence)
	}
	raw := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		b, err := json.Marshal(v)
		if err != nil {
			return abraflexi.ID{}, fmt.Errorf("%s.%s: %w", evidence, k, err)
		}
		raw[k] = b
	}
	m := x.mark()
	res := s.writeRecord(x, t, raw, nil, true)
	if len(res.errs) > 0 {
		x.rollbackTo(m)
		b, _ := json.Marshal(res.errs)
		return abraflexi.ID{}, fmt.Errorf("seeding %s: %s", evidence, b)
	}
	return abraflexi.NumericID(res.id), nil
}

// Put stores a raw record given by wire field names (as in an import body)
// and returns its numeric id. It may create ("id":"code:X", or a "kod"
// field) or update a record. Read-only fields (zbyvaUhradit, sparovano,
// storno, stavUhrK, …) are written as given. Seeding writes no change-log
// entries and no request-log entries. Errors fail the test (see
// [NewServer]) or panic.
func (s *Server) Put(evidence string, fields map[string]any) abraflexi.ID {
	id, err := s.TryPut(evidence, fields)
	if err != nil {
		s.fail(err)
	}
	return id
}

// TryPut is [Server.Put] returning the error instead of failing.
func (s *Server) TryPut(evidence string, fields map[string]any) (abraflexi.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.begin()
	x.silent = true
	id, err := s.putLocked(x, evidence, fields)
	if err != nil {
		x.rollback()
		return id, err
	}
	x.commit()
	return id, nil
}

// Seed stores typed records: abraflexi.Address, Contract, IssuedInvoice,
// BankMovement, CashMovement, Label (values or pointers), in order, so
// that relations (firma: code:X) can point at records seeded earlier in
// the same call. Each model is marshalled to its JSON wire form and
// stored like [Server.Put]. An invoice seeded with a zero Remaining gets
// zbyvaUhradit = sumCelkem unless its PaymentState says it is paid.
// Seed returns the numeric ids in order.
func (s *Server) Seed(records ...any) []abraflexi.ID {
	ids, err := s.TrySeed(records...)
	if err != nil {
		s.fail(err)
	}
	return ids
}

// TrySeed is [Server.Seed] returning the error instead of failing; on
// error nothing is stored.
func (s *Server) TrySeed(records ...any) ([]abraflexi.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.begin()
	x.silent = true
	ids := make([]abraflexi.ID, 0, len(records))
	for i, rec := range records {
		ev, fields, err := modelFields(rec)
		if err != nil {
			x.rollback()
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		id, err := s.putLocked(x, ev, fields)
		if err != nil {
			x.rollback()
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		ids = append(ids, id)
	}
	x.commit()
	return ids, nil
}

// modelFields marshals a typed model into wire fields.
func modelFields(rec any) (string, map[string]any, error) {
	var ev string
	switch v := rec.(type) {
	case abraflexi.Address, *abraflexi.Address:
		ev = abraflexi.EvidenceAddress
	case abraflexi.Contract, *abraflexi.Contract:
		ev = abraflexi.EvidenceContract
	case abraflexi.IssuedInvoice, *abraflexi.IssuedInvoice:
		ev = abraflexi.EvidenceIssuedInvoice
	case abraflexi.BankMovement, *abraflexi.BankMovement:
		ev = abraflexi.EvidenceBank
	case abraflexi.CashMovement, *abraflexi.CashMovement:
		ev = abraflexi.EvidenceCash
	case abraflexi.Label, *abraflexi.Label:
		ev = abraflexi.EvidenceLabel
	case abraflexi.Record:
		ev = v.Evidence()
	default:
		return "", nil, fmt.Errorf("abraflexitest: cannot seed %T", rec)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return "", nil, err
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		return "", nil, err
	}
	for k, v := range fields {
		if v == nil {
			delete(fields, k)
		}
	}
	if ext, ok := fields["external-ids"].([]any); ok {
		ids := []any{}
		if id, ok := fields["id"]; ok {
			ids = append(ids, id)
		}
		ids = append(ids, ext...)
		fields["id"] = ids
		delete(fields, "external-ids")
	}
	if ev == abraflexi.EvidenceIssuedInvoice {
		state, _ := fields["stavUhrK"].(string)
		for _, k := range []string{"zbyvaUhradit", "zbyvaUhraditMen"} {
			if rem, _ := fields[k].(string); dec(rem).IsZero() {
				if state == abraflexi.PaymentStatePaid || state == abraflexi.PaymentStatePaidManually {
					fields[k] = "0"
				} else {
					delete(fields, k)
				}
			}
		}
	}
	return ev, fields, nil
}

func (s *Server) seedOne(rec any) abraflexi.ID {
	ids, err := s.TrySeed(rec)
	if err != nil {
		s.fail(err)
		return abraflexi.ID{}
	}
	return ids[0]
}

// AddAddress seeds an address-book record (with its contacts) and returns its id.
func (s *Server) AddAddress(a abraflexi.Address) abraflexi.ID { return s.seedOne(a) }

// AddContract seeds a contract and returns its id.
func (s *Server) AddContract(c abraflexi.Contract) abraflexi.ID { return s.seedOne(c) }

// AddInvoice seeds an issued invoice and returns its id.
func (s *Server) AddInvoice(inv abraflexi.IssuedInvoice) abraflexi.ID { return s.seedOne(inv) }

// AddBankMovement seeds a bank movement and returns its id.
func (s *Server) AddBankMovement(m abraflexi.BankMovement) abraflexi.ID { return s.seedOne(m) }

// AddCashMovement seeds a cash movement and returns its id.
func (s *Server) AddCashMovement(m abraflexi.CashMovement) abraflexi.ID { return s.seedOne(m) }

// AddCustomerBankAccount seeds a bank account registered to an
// address-book record (adresar-bankovni-ucet; a.Customer must name a
// seeded address) and returns its id.
func (s *Server) AddCustomerBankAccount(a abraflexi.CustomerBankAccount) abraflexi.ID {
	return s.seedOne(a)
}

// AddLabelDefinitions adds label codes to the stitek codebook (existing
// codes are left alone).
func (s *Server) AddLabelDefinitions(codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.begin()
	x.silent = true
	lt := s.tables[abraflexi.EvidenceLabel]
	for _, c := range codes {
		c = strings.ToUpper(strings.TrimSpace(c))
		if _, ok := lt.byCode[c]; ok || c == "" {
			continue
		}
		if _, err := s.putLocked(x, abraflexi.EvidenceLabel, map[string]any{"kod": c, "nazev": c}); err != nil {
			x.rollback()
			s.fail(err)
			return
		}
	}
	x.commit()
}

// ---- reading state back ----

func (s *Server) find(evidence string, id abraflexi.ID) (*table, *record, bool) {
	t, ok := s.tables[evidence]
	if !ok {
		return nil, nil, false
	}
	r, ok := t.lookup(id.String())
	return t, r, ok
}

// recordJSON renders a record with full detail, relations and includes
// expanded, as the typed models expect.
func (s *Server) recordJSON(evidence string, id abraflexi.ID) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, r, ok := s.find(evidence, id)
	if !ok {
		return nil, false
	}
	v := view{includes: map[string]bool{"typDokl": evidence == abraflexi.EvidenceIssuedInvoice},
		relations: map[string]bool{"kontakty": true}}
	b, err := json.Marshal(s.render(t, r, v))
	return b, err == nil
}

func decodeAs[T any](s *Server, evidence string, id abraflexi.ID) (T, bool) {
	var out T
	b, ok := s.recordJSON(evidence, id)
	if !ok {
		return out, false
	}
	if err := json.Unmarshal(b, &out); err != nil {
		s.fail(fmt.Errorf("decode %s %s: %w", evidence, id, err))
		return out, false
	}
	return out, true
}

// Address returns the stored address-book record with its contacts.
func (s *Server) Address(id abraflexi.ID) (abraflexi.Address, bool) {
	return decodeAs[abraflexi.Address](s, abraflexi.EvidenceAddress, id)
}

// Contract returns the stored contract.
func (s *Server) Contract(id abraflexi.ID) (abraflexi.Contract, bool) {
	return decodeAs[abraflexi.Contract](s, abraflexi.EvidenceContract, id)
}

// Invoice returns the stored issued invoice (typDokl expanded, so
// [abraflexi.IssuedInvoice.Kind] works).
func (s *Server) Invoice(id abraflexi.ID) (abraflexi.IssuedInvoice, bool) {
	return decodeAs[abraflexi.IssuedInvoice](s, abraflexi.EvidenceIssuedInvoice, id)
}

// Movement returns a stored bank (banka) or cash (pokladni-pohyb) movement.
func (s *Server) Movement(evidence string, id abraflexi.ID) (abraflexi.Movement, bool) {
	return decodeAs[abraflexi.Movement](s, evidence, id)
}

// Labels returns the labels of any record that has stitky.
func (s *Server) Labels(evidence string, id abraflexi.ID) (abraflexi.LabelSet, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, r, ok := s.find(evidence, id)
	if !ok {
		return abraflexi.LabelSet{}, false
	}
	return abraflexi.Labels(r.labels...), true
}

// Record returns a stored record as flat wire strings with full detail:
// numbers like "1210.0", dates like "2024-01-31+01:00", relations as
// "code:X" (plus the @ref/@showAs keys), stitky as "A, B".
func (s *Server) Record(evidence string, id abraflexi.ID) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, r, ok := s.find(evidence, id)
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for _, e := range s.render(t, r, view{}) {
		switch v := e.v.(type) {
		case string:
			out[e.k] = v
		case []string:
			out[e.k] = strings.Join(v, ",")
		}
	}
	return out, true
}

// IDs returns the numeric ids of all records of evidence, ascending.
func (s *Server) IDs(evidence string) []abraflexi.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tables[evidence]
	if !ok {
		return nil
	}
	out := make([]abraflexi.ID, 0, len(t.recs))
	for _, id := range t.ids() {
		out = append(out, abraflexi.NumericID(id))
	}
	return out
}

// Count returns the number of records of evidence.
func (s *Server) Count(evidence string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tables[evidence]; ok {
		return len(t.recs)
	}
	return 0
}

// ChangeEntry is one entry of the server's change log (the Changes API).
type ChangeEntry struct {
	// Version is the entry's global version (@in-version).
	Version int64
	// Evidence is the changed record's evidence (@evidence).
	Evidence string
	// Operation is create, update or delete (@operation).
	Operation string
	// ID is the changed record's numeric id.
	ID int64
	// ExternalIDs are the record's code: and ext: identifiers (external-ids).
	ExternalIDs []string
}

// Changes returns the change log, oldest first.
func (s *Server) Changes() []ChangeEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ChangeEntry, len(s.changes))
	for i, c := range s.changes {
		out[i] = ChangeEntry{Version: c.version, Evidence: c.evidence, Operation: c.operation, ID: c.id, ExternalIDs: slices.Clone(c.extIDs)}
	}
	return out
}

// GlobalVersion returns the version of the newest change (0 when none).
func (s *Server) GlobalVersion() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

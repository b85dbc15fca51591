// Package abraflexitest is an in-memory AbraFlexi (FlexiBee) REST server
// for tests and demos, in the spirit of net/http/httptest.
//
//	srv := abraflexitest.NewServer(t)          // closed when the test ends
//	srv.AddAddress(abraflexi.Address{Code: "ABC", Name: "ABC s.r.o."})
//	client, _ := abraflexi.NewClient(srv.Config())
//
// Outside tests use [Start] (or [NewUnstartedServer] + [Server.Start]) and
// [Server.Close].
//
// # Wire format
//
// The server speaks the classic /c/ JSON flavour that php-abraflexi uses:
// every scalar is a JSON string ("id":"12", "sumCelkem":"1210.0",
// "storno":"false", "datVyst":"2024-01-31+01:00"), relations are rendered
// as "firma":"code:ABC" plus "firma@ref" and "firma@showAs" ("ABC: Name"),
// stitky as "A, B" (comma and space) or "". Routes:
//
//	GET      /c/{co}/{evidence}.json               listing (limit, start, detail, order, add-row-count, includes, relations)
//	GET      /c/{co}/{evidence}/({filter}).json    filtered listing
//	GET      /c/{co}/{evidence}/{id}.json          one record; code:/ext: ids answer 303 to the numeric URL
//	GET      /c/{co}/{evidence}/{id}.pdf           a small valid PDF
//	POST|PUT /c/{co}/{evidence}.json               import (create or update by id)
//	POST|PUT /c/{co}/{evidence}/{id}.json          import into one record
//	DELETE   /c/{co}/{evidence}/{id}.json          delete
//	GET      /c/{co}/changes.json                  Changes API (start, limit, evidence)
//	GET      /c.json                               the company list ({"companies":{"company":{…,"dbNazev":"demo"}}})
//
// Every request needs HTTP Basic auth (401 otherwise). Other methods answer
// 405 with the body {"winstrom":{"@version":"1.0","success":"false"}};
// unknown companies, evidences and records answer 404 with
// {"winstrom":{"@version":"1.0","success":"false","message":"…"}}.
//
// Seeded codebooks: stitek ([DefaultLabels]), typ-faktury-vydane
// ([DefaultInvoiceTypes]), typ-smlouvy ([DefaultContractTypes]), mena
// (CZK, EUR, USD) and stav-smlouvy (PLATNA, UKONCENA).
//
// # Choices where the public documentation is silent (UNVERIFIED)
//
//   - order=field@A sorts descending and field@D ascending, following the
//     literal official wording ("sestupně (order=nazev@A) nebo vzestupně
//     (order=nazev@D)"); a field without suffix sorts ascending; sort= with
//     dir=asc|desc is also accepted. Clients should not rely on either.
//   - A listing without order= is deliberately not in id order, so code
//     that relies on an unstated order fails here as it can on a real
//     server: documents (faktura-vydana, banka, pokladni-pohyb,
//     interni-doklad) come newest first (datVyst descending, as the
//     official ordering page describes for documents), other evidences by
//     kod, evidences without kod by lastUpdate descending. Rows that tie on
//     every sort key (default or order=) come in an order that changes from
//     listing to listing, as rows without a unique sort key may come from
//     a database; only a unique key (id, kod) gives a stable order. So
//     limit/start paging over ties sees some rows twice and others never.
//
// # Test hooks and fault injection
//
// [Server.OnRequest] runs a function when the Nth request matching a
// [Matcher] arrives, before it is answered, to change the data between two
// pages of a listing or between the read and the write of a client (see
// its example). [Server.FailNext] and [Server.DropNext] answer matching
// requests with an error status or drop the connection, before or
// ([Applied]) after processing them; [Body] and [LoginPage] replace the
// answer's body, for example with an HTML login page and status 200 as a
// proxy in front of AbraFlexi may send.
//   - A bad filter (syntax error, unknown field, unterminated quote, a
//     quoted value compared with a numeric field such as id, a number
//     compared with a date) answers 400 with the winstrom message body.
//     Quotes cannot be escaped inside a string literal; 'x' and "x" both work.
//   - Comparisons follow SQL null semantics: an empty field matches only
//     "is null"/"is empty" (so "stavUhrK neq 'stavUhr.uhrazeno'" does not
//     match unpaid invoices, as the official examples assume). Boolean
//     fields read false when empty. "stitky <> 'code:X'" means "does not
//     carry X". "like", "begins" and "ends" are case-insensitive; "=" is
//     case-sensitive except on kod.
//   - 401 and request-level errors use the not-found body shape with a
//     Czech message; the 401 carries WWW-Authenticate: Basic.
//   - Writes: 201 when a record was created or changed, 200 when nothing
//     changed (also for writes whose records were all skipped by
//     @update/@create "ignore"), 200 for dry-run=true. With
//     "@atomic":"false" each record is its own transaction; if any record
//     failed the answer is 400 with success "false", and results[] still
//     carry the ids of the records that were saved. In an atomic batch
//     results[] has one entry per record (errors for the failed ones,
//     request-id only for the rolled-back rest). Unknown fields are stored
//     as strings; read-only fields (zbyvaUhradit, sparovano, storno,
//     stavUhrK, datUhr, …) are ignored, except stavUhrK =
//     stavUhr.uhrazenoRucne, which also sets zbyvaUhradit to 0.
//   - kod is mandatory on create for codebooks, adresar and smlouva (error
//     code INVALID, for "kod", like sample 04). Documents (faktura-vydana,
//     banka, pokladni-pohyb) get a generated code such as VF1-0007/2024.
//     New invoices default to typDokl FAKTURA, mena CZK, datVyst today,
//     datSplat +14 days, varSym = the digits of kod, zbyvaUhradit =
//     sumCelkem; movements to typPohybuK typPohybu.prijem.
//   - A relation written as an unknown code or a non-numeric bare value is
//     a 400 (code PROP). Unknown label codes in stitky are a 400 with
//     "for":"stitky" and the code as value; label visibility flags
//     (vsbAdr, …) and label groups are not enforced.
//   - Pairing (sparovani) without zbytek uses "ne". Errors (400, for
//     "sparovani", code INVALID): payment already paired ("Doklad 'X' je
//     již spárován."), payment or invoice cancelled, invoice already paid,
//     castka above the invoice remainder, any difference with "ne", an
//     overpayment with castecnaUhrada, an invoice in another currency
//     than the payment. With ignorovat (and castecnaUhradaNeboIgnorovat)
//     an overpayment pays the invoices in full and the excess stays on
//     the payment, unpaired: sparovano stays false, as AbraFlexi
//     documents it, and a later pairing can use only that excess (the
//     paying amount is always the payment minus its earlier pairings). A
//     payment is marked sparovano=true once nothing of it is left (or
//     the difference was posted). An underpayment with ignorovat is
//     treated as a partial payment. zauctovat and
//     castecnaUhradaNeboZauctovat create an interni-doklad record for the
//     difference. Each pairing writes a vazba record per invoice
//     (typVazbyK typVazbyDokl.uhrada, castka in CZK, castkaMen and mena
//     for a foreign currency, storno, a = the invoice, b = the payment);
//     relations=vazby lists them on the invoice and on the payment. It
//     logs, in order: the payment update, then for each invoice its
//     update and the vazba create. odparovani is not supported (400).
//   - Currencies: the company's home currency is CZK. A document with
//     another mena is measured by its …Men fields: a new foreign-currency
//     invoice owes zbyvaUhraditMen = sumCelkemMen; a pairing's castka is
//     in the payment's currency and lowers zbyvaUhraditMen, and
//     zbyvaUhradit goes down at the invoice's own rate (no exchange-rate
//     differences), reaching 0 together.
//   - Seeding ([Server.Seed], [Server.Put], Add*) writes no change-log and
//     no request-log entries; the Changes API shows API writes only. The
//     Changes API start parameter is inclusive; next is the version of the
//     first entry not returned or "none".
//   - external-ids lists the ext: identifiers of a record (code: is in
//     kod); Changes API entries list code: and ext: identifiers.
//   - Dates are rendered with the Europe/Prague offset (+01:00 or +02:00)
//     computed from the EU summer-time rule; numbers from 10^7 up use
//     Java's exponent form ("1.2290034529E7").
package abraflexitest

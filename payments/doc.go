// Package payments matches received payments (bank and cash movements) to
// issued invoices in AbraFlexi by variable symbol (and, with MATCH_KEYS,
// by specific symbol, the payer's account and sums of several invoices)
// and pairs them (sparovani). It is the library behind
// isp-match-received-payment (Pipeline B), isp-match-payments-batch and
// isp-match-and-notify.
//
// # Decision
//
// [Decide] is a pure function of a [Payment], its candidate invoices and a
// [Policy]; it returns a [Decision] with a [Reason] (whose
// [Reason.ExitCode] is the app's exit status), the remainder mode the
// pairing must use, and the labels to add to the payment:
//
//	matched              exact amount, zbytek ne                    exit 0
//	matched_partial      underpayment, zbytek castecnaUhrada        exit 0
//	matched_overpayment  overpayment in settle mode, zbytek         exit 0, PREPLATEK
//	                     ignorovat (the invoice is paid, the
//	                     excess stays on the payment)
//	matched_several      (MATCH_KEYS with sum) the sum of several   exit 0
//	                     open invoices of the customer, oldest
//	                     first, in one pairing, zbytek ne
//	already_matched      the payment is paired (sparovano), its     exit 0, nothing written
//	                     links use it up, or the excess left by an
//	                     earlier pairing finds no open invoice
//	not_incoming         outgoing movement (typPohybu.vydej)        exit 0, nothing written
//	payment_cancelled    cancelled movement (storno)                exit 0, nothing written
//	no_varsym            no variable symbol                         exit 2, NEIDENTIFIKOVANO
//	invalid_amount       amount zero or negative                    exit 2, NEIDENTIFIKOVANO
//	unknown_varsym       no open invoice with the symbol            exit 2, CHYBIFAKTURA
//	ambiguous            several open invoices with the symbol      exit 2, NEIDENTIFIKOVANO
//	overpayment          overpayment in manual mode                 exit 2, PREPLATEK
//	currency_mismatch    payment and invoice currencies differ      exit 2, NEIDENTIFIKOVANO
//	ambiguous_account    (MATCH_KEYS with account) the payer's      exit 2, NEIDENTIFIKOVANO
//	                     account is registered to several
//	                     customers
//	no_documentid, document_not_found, ambiguous_document,         exit 1
//	settle_failed, error
//
// Variable symbols are compared after trimming and dropping leading zeros
// ([NormalizeVarSym]: "0012345" pays "12345"). Candidates are issued
// invoices that are unpaid or partly paid (stavUhrK empty or
// stavUhr.castUhr), not cancelled, and of kind invoice or advance invoice
// (typDokl.typDoklK), with something left to pay: an invoice covered by a
// deducted advance (zbyvaUhradit 0, stavUhrK still empty) is not due.
// Amounts are shopspring decimals rounded to hellers ([Money]) before they
// are compared, so renderings such as "1.2290034529E8" compare exactly.
//
// # Matching keys
//
// [MatchKeys] (MATCH_KEYS, [ParseMatchKeys]; default vs, the PHP
// behaviour) are the ways a payment finds its invoices, tried in order;
// the first that finds candidates decides and is the decision's
// MatchedBy: vs (the variable symbol), ss (the specific symbol is the
// customer's code, leading zeros ignored), account (the payer's account,
// [abraflexi.Movement.PayerAccount], is registered to the customer in
// adresar-bankovni-ucet) and sum (a payment equal to the sum of several
// of the found customer's oldest open invoices pays them all:
// [MatchedSeveral], one pairing with several uhrazovanaFak). A
// [MatchIndex] holds the snapshot a decision needs; [Decide] and [Plan]
// are [DecideKeys] and [PlanKeys] with the default keys. [Matcher.MatchOne]
// reads what the keys need in at most three listings whatever the
// company's size; [Matcher.MatchSince] reads every open invoice and, with
// account, every registered account once.
//
// # Currencies
//
// Every amount is compared in the document's own currency: sumCelkem and
// zbyvaUhradit for documents in [Policy].HomeCurrency (HOME_CURRENCY,
// default CZK; a document without mena is in it), sumCelkemMen and
// zbyvaUhraditMen for any other. The crown figures of a euro invoice and
// a euro payment are at two different rates and are never compared. The
// pairing's castka is in the payment's currency. A payment and an invoice
// in different currencies are currency_mismatch.
//
// # A payment is used once
//
// A payment is decided by what is left of it: its amount minus its
// payment links (vazby, [abraflexi.Movement.Allocated]). An overpayment
// paired with ignorovat keeps its excess on the payment, which AbraFlexi
// leaves unpaired (sparovano false), so the next run — a redelivered
// event or the next batch — would otherwise pay its full amount again. It
// pairs only the excess, and with no open invoice to take it the payment
// is already_matched. [Matcher.MatchOne] takes the payment's lock
// ([Config].Lock) and reads the payment again under it, so two runs at
// once decide one after the other.
//
// [Plan] decides a whole batch against one snapshot of open invoices and
// carries each pairing forward (a fully paid invoice stops being a
// candidate, a partial payment lowers the amount due). When a pairing of
// the batch fails, [Matcher.MatchSince] decides the later payments of its
// variable symbol again against the invoices as they are.
//
// # Matcher
//
// A [Matcher] does the I/O around the decision through the narrow
// interfaces [Source] and [Writer] ([Ledger] is both). [NewClientLedger]
// implements them over an *abraflexi.Client; payments/paymentsmock holds
// gomock mocks. [Matcher.MatchOne] matches one document (DOCUMENTID: a
// numeric id or a record code, looked up in banka, pokladni-pohyb, or
// under auto a code in the bank first then cash, and a numeric id in both,
// ambiguous_document when both have it), [Matcher.MatchSince] every
// unpaired incoming payment
// since a date with a request count that grows with pages and batches,
// not with payments.
//
// Candidate invoices of one payment are read in one listing filtered by
// the open state and "varSym in (...)" over [VarSymVariants]: AbraFlexi
// compares varSym as a string, so the few zero-padded spellings of the
// symbol up to the ten digits of a Czech variable symbol are asked for,
// and the decision compares normalized symbols again.
//
// Matching is idempotent and safe to repeat: the web-hook rule fires for
// every new bank record and may fire twice. An already paired payment is
// left alone, the pairing is never resent blindly (after an ambiguous
// failure the payment is re-read), and labels are added, never replaced,
// so the payment keeps its other labels. A label missing from the label
// codebook is created on first use ([ClientLedger.AddLabels]).
package payments

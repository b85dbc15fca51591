// Package payments matches received payments (bank and cash movements) to
// issued invoices in AbraFlexi by variable symbol and pairs them
// (sparovani). It is the library behind isp-match-received-payment
// (Pipeline B) and isp-match-payments-batch.
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
//	already_matched      the payment is paired (sparovano)          exit 0, nothing written
//	not_incoming         outgoing movement (typPohybu.vydej)        exit 0, nothing written
//	payment_cancelled    cancelled movement (storno)                exit 0, nothing written
//	no_varsym            no variable symbol                         exit 2, NEIDENTIFIKOVANO
//	invalid_amount       amount zero or negative                    exit 2, NEIDENTIFIKOVANO
//	unknown_varsym       no open invoice with the symbol            exit 2, CHYBIFAKTURA
//	ambiguous            several open invoices with the symbol      exit 2, NEIDENTIFIKOVANO
//	overpayment          overpayment in manual mode                 exit 2, PREPLATEK
//	currency_mismatch    payment and invoice currencies differ      exit 2
//	no_documentid, document_not_found, settle_failed, error        exit 1
//
// Variable symbols are compared after trimming and dropping leading zeros
// ([NormalizeVarSym]: "0012345" pays "12345"). Candidates are issued
// invoices that are unpaid or partly paid (stavUhrK empty or
// stavUhr.castUhr), not cancelled, and of kind invoice or advance invoice
// (typDokl.typDoklK). A document without a currency (mena) is in CZK.
// Amounts are shopspring decimals rounded to hellers ([Money]) before they
// are compared, so renderings such as "1.2290034529E8" compare exactly;
// they are compared in the home-currency fields sumCelkem and zbyvaUhradit.
//
// [Plan] decides a whole batch against one snapshot of open invoices and
// carries each pairing forward (a fully paid invoice stops being a
// candidate, a partial payment lowers the amount due).
//
// # Matcher
//
// A [Matcher] does the I/O around the decision through the narrow
// interfaces [Source] and [Writer] ([Ledger] is both). [NewClientLedger]
// implements them over an *abraflexi.Client; payments/paymentsmock holds
// gomock mocks. [Matcher.MatchOne] matches one document (DOCUMENTID: a
// numeric id or a record code, looked up in banka, pokladni-pohyb, or bank
// first then cash), [Matcher.MatchSince] every unpaired incoming payment
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
// so the payment keeps its other labels.
package payments

package abraflexi_test

import (
	"context"
	"fmt"
	"log"

	"github.com/shopspring/decimal"
	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

// startServer starts an in-memory AbraFlexi for the examples.
func startServer() *abraflexitest.Server {
	srv, err := abraflexitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

func ExampleNewClient() {
	srv := startServer()
	defer srv.Close()

	c, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Company())
	// Output: demo
}

func ExampleService_List() {
	srv := startServer()
	defer srv.Close()
	srv.Seed(
		abraflexi.Address{Code: "CUST1", Name: "Novák"},
		abraflexi.IssuedInvoice{Code: "VF1-0001/2026", Customer: abraflexi.RefTo(abraflexi.CodeID("CUST1")),
			VariableSymbol: "20260001", Total: decimal.NewFromInt(1210), IssuedOn: abraflexi.NewDate(2026, 1, 1),
			DueOn: abraflexi.NewDate(2026, 1, 15), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))},
	)
	c, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}

	open := abraflexi.And(
		abraflexi.Or(abraflexi.IsNull("stavUhrK"), abraflexi.Eq("stavUhrK", abraflexi.PaymentStatePartial)),
		abraflexi.IsFalse("storno"),
		abraflexi.RelEq("firma", abraflexi.CodeID("CUST1")),
	)
	for inv, err := range c.IssuedInvoices.List(context.Background(), abraflexi.ListOptions{Filter: open}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(inv.Code, inv.Remaining, inv.Kind())
	}
	// Output: VF1-0001/2026 1210 typDokladu.faktura
}

func ExampleEq() {
	fmt.Println(abraflexi.Eq("varSym", "20260001"))
	fmt.Println(abraflexi.Gte("sumCelkem", decimal.RequireFromString("1.2290034529E8")))
	fmt.Println(abraflexi.Lt("datSplat", abraflexi.NewDate(2026, 1, 31)))
	// A value that would close its literal early is refused, never spliced in.
	fmt.Println(abraflexi.Eq("kod", "X' or kod ne '").Err())
	fmt.Println(abraflexi.And(abraflexi.IsFalse("storno"), abraflexi.HasLabel("upominka3")).PathSegment())
	// Output:
	// varSym eq '20260001'
	// sumCelkem gte 122900345.29
	// datSplat lt '2026-01-31'
	// abraflexi: invalid filter: kod eq: value "X' or kod ne '" contains a single quote, which cannot be escaped in an AbraFlexi filter
	// (storno%20eq%20false%20and%20stitky%20%3D%20'code:UPOMINKA3')
}

func ExampleService_RemoveLabels() {
	srv := startServer()
	defer srv.Close()
	srv.AddAddress(abraflexi.Address{Code: "CUST1", Name: "Novák", Labels: abraflexi.Labels("VIP", "ODPOJENO")})
	c, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}

	rest, err := c.Addresses.RemoveLabels(context.Background(), abraflexi.CodeID("CUST1"), "ODPOJENO")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rest)
	// Output: VIP
}

func ExampleClient_Pair() {
	srv := startServer()
	defer srv.Close()
	srv.Seed(
		abraflexi.Address{Code: "CUST1", Name: "Novák"},
		abraflexi.IssuedInvoice{Code: "VF1-0001/2026", Customer: abraflexi.RefTo(abraflexi.CodeID("CUST1")),
			VariableSymbol: "20260001", Total: decimal.NewFromInt(500), IssuedOn: abraflexi.NewDate(2026, 1, 1),
			DueOn: abraflexi.NewDate(2026, 1, 15), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+0001/2026", VariableSymbol: "20260001",
			Total: decimal.NewFromInt(300), IssuedOn: abraflexi.NewDate(2026, 1, 10), Direction: abraflexi.DirectionIncoming}},
	)
	c, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	err = c.Pair(ctx, abraflexi.PairRequest{
		PaymentEvidence: abraflexi.EvidenceBank,
		Payment:         abraflexi.CodeID("B+0001/2026"),
		Invoice:         abraflexi.CodeID("VF1-0001/2026"),
		Remainder:       abraflexi.RemainderPartial,
	})
	if err != nil {
		log.Fatal(err)
	}
	inv, err := c.IssuedInvoices.Get(ctx, abraflexi.CodeID("VF1-0001/2026"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.PaymentState, inv.Remaining)
	// Output: stavUhr.castUhr 200
}

func ExampleParseChanges() {
	body := []byte(`{"winstrom":{"@globalVersion":"3656477","changes":[{"@evidence":"adresar","@in-version":"3656477",
		"@operation":"update","@timestamp":"2021-03-12 23:59:55.586215","id":"4435","external-ids":["code:TEST5"]}],"next":"none"}}`)
	ch, err := abraflexi.ParseChanges(body)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range ch.Changes {
		fmt.Println(c.Evidence, c.Operation, c.RecordID, c.ExternalIDs, ch.Next)
	}
	// Output: adresar update 4435 [code:TEST5] 0
}

func ExampleConfig_String() {
	cfg := abraflexi.Config{URL: "https://flexi.example.net:5434", Login: "api", Password: "secret", Company: "isp"}
	fmt.Println(cfg)
	// Output: Config{URL: https://flexi.example.net:5434, Login: api, Password: REDACTED, Company: isp, InsecureSkipVerify: false, PageSize: 0, Timeout: 0s}
}

func ExampleParseLabels() {
	l := abraflexi.ParseLabels("VIP, upominka1,ODPOJENO")
	fmt.Println(l.Has("odpojeno"), l.Len())
	fmt.Println(l.Remove("ODPOJENO").Add("NEPLATIC"))
	// Output:
	// true 3
	// NEPLATIC,UPOMINKA1,VIP
}

func ExampleService_Upsert() {
	srv := startServer()
	defer srv.Close()
	c, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	records := []abraflexi.Fields{
		{"id": abraflexi.CodeID("CUST1"), "nazev": "Novák"}, // code: ids create or update
		{"id": abraflexi.CodeID("CUST2"), "nazev": "Dvořák", "stitky": "VIP"},
	}
	ctx := context.Background()
	// Validate first without saving anything.
	if _, err := c.Addresses.Upsert(ctx, records, abraflexi.WriteOptions{DryRun: true}); err != nil {
		log.Fatal(err)
	}
	results, err := c.Addresses.Upsert(ctx, records, abraflexi.WriteOptions{Atomic: true, BatchSize: 100})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		a, _ := c.Addresses.Get(ctx, r.ID)
		fmt.Printf("%d %s %s [%s]\n", r.Index, a.Code, a.Name, a.Labels)
	}
	// Output:
	// 0 CUST1 Novák []
	// 1 CUST2 Dvořák [VIP]
}

func ExampleClient_InvoicePDF() {
	srv := startServer()
	defer srv.Close()
	srv.AddInvoice(abraflexi.IssuedInvoice{Code: "VF1-0001/2026", Total: decimal.NewFromInt(1210)})
	c, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	pdf, err := c.InvoicePDF(context.Background(), abraflexi.CodeID("VF1-0001/2026"), abraflexi.PDFOptions{Lang: "en"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(pdf[:5]))
	// Output: %PDF-
}

// The connection settings as the isptools apps read them; a service passes
// os.LookupEnv.
func ExampleConfigFromLookup() {
	vars := map[string]string{
		"ABRAFLEXI_URL":      "https://flexi.example.com:5434/c/isp_a", // the company may come with the URL
		"ABRAFLEXI_LOGIN":    "api",
		"ABRAFLEXI_PASSWORD": "s3cret",
	}
	cfg, err := abraflexi.ConfigFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
	fmt.Println(cfg.URL, cfg.Company, err)
	delete(vars, "ABRAFLEXI_LOGIN")
	_, err = abraflexi.ConfigFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
	fmt.Println(err)
	// Output:
	// https://flexi.example.com:5434 isp_a <nil>
	// invalid configuration: ABRAFLEXI_LOGIN is required but not set
}

// HOME_CURRENCY as the apps read it.
func ExampleHomeCurrencyFromLookup() {
	c, err := abraflexi.HomeCurrencyFromLookup(func(name string) (string, bool) { return " eur ", name == "HOME_CURRENCY" })
	fmt.Println(c, err)
	c, err = abraflexi.HomeCurrencyFromLookup(func(name string) (string, bool) { return "euro", name == "HOME_CURRENCY" })
	fmt.Println(c, err)
	// Output:
	// EUR <nil>
	// CZK invalid configuration: HOME_CURRENCY="euro": not a currency code (three letters such as CZK or EUR)
}

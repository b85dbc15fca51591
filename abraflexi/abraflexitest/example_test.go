package abraflexitest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

// The emulator speaks the AbraFlexi wire format, so plain net/http works
// as well as the SDK client.
func Example() {
	srv, err := abraflexitest.Start(abraflexitest.WithToday(abraflexi.NewDate(2024, 1, 31)))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.Seed(
		abraflexi.Address{Code: "ABC", Name: "ABC s.r.o."},
		abraflexi.IssuedInvoice{Code: "VF1-0001/2024", Customer: abraflexi.RefTo(abraflexi.CodeID("ABC")), Total: decimal.NewFromInt(1210)},
	)
	cfg := srv.Config()

	get := func(path string) string {
		req, _ := http.NewRequest("GET", cfg.URL+"/c/"+cfg.Company+path, nil)
		req.SetBasicAuth(cfg.Login, cfg.Password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	fmt.Println(get("/faktura-vydana/(firma%20%3D%20'code:ABC').json?detail=custom:kod,sumCelkem,firma,stitky"))

	body := `{"winstrom":{"adresar":[{"id":"code:ABC","stitky":"UPOMINKA1"}]}}`
	req, _ := http.NewRequest("PUT", cfg.URL+"/c/demo/adresar.json", strings.NewReader(body))
	req.SetBasicAuth(cfg.Login, cfg.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	labels, _ := srv.Labels("adresar", abraflexi.CodeID("ABC"))
	fmt.Println(resp.StatusCode, labels)
	// Output:
	// {"winstrom":{"@version":"1.0","faktura-vydana":[{"id":"1","kod":"VF1-0001/2024","sumCelkem":"1210.0","firma":"code:ABC","firma@ref":"/c/demo/adresar/1.json","firma@showAs":"ABC: ABC s.r.o.","stitky":""}]}}
	// 201 UPOMINKA1
}

// OnRequest changes the data between two pages of a listing: here an
// invoice is paid after the first page of a debt listing was answered.
// The client pages by key, so every invoice that stays unpaid is listed
// exactly once.
func ExampleServer_OnRequest() {
	srv, err := abraflexitest.Start(abraflexitest.WithToday(abraflexi.NewDate(2026, 11, 25)))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	for _, code := range []string{"VF1", "VF2", "VF3", "VF4"} {
		srv.Seed(abraflexi.IssuedInvoice{Code: code, Total: decimal.NewFromInt(500), IssuedOn: abraflexi.NewDate(2026, 10, 1)})
	}
	srv.OnRequest(abraflexitest.Matcher{Method: http.MethodGet, Evidence: abraflexi.EvidenceIssuedInvoice},
		func(n int, _ *http.Request) {
			if n == 2 { // the second page is asked for
				srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": "code:VF1", "stavUhrK": abraflexi.PaymentStatePaidManually})
			}
		})
	client, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		panic(err)
	}
	unpaid := abraflexi.Or(abraflexi.IsNull("stavUhrK"), abraflexi.Eq("stavUhrK", abraflexi.PaymentStatePartial))
	for inv, err := range client.IssuedInvoices.List(context.Background(), abraflexi.ListOptions{Filter: unpaid, PageSize: 2}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(inv.Code)
	}
	// Output:
	// VF1
	// VF2
	// VF3
	// VF4
}

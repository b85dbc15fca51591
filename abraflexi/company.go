package abraflexi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// States of the company check (Client.company).
const (
	companyUnchecked int32 = iota
	companyExists
	companyUncheckable // the server does not list its companies to this user
)

// checkCompany runs after a 404: once per client it asks the server for
// its companies (GET /c.json) and returns a *CompanyError when the
// configured company is not among them. A 404 is then not a missing
// record but a wrong ABRAFLEXI_COMPANY. It returns nil when the company
// exists or the server does not tell; either is remembered, so later 404s
// cost nothing.
func (c *Client) checkCompany(ctx context.Context, ae *APIError) *CompanyError {
	if c.company.Load() != companyUnchecked {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	names, ok := c.companies(ctx)
	switch {
	case !ok:
		c.company.Store(companyUncheckable)
		return nil
	case slices.Contains(names, c.cfg.Company):
		c.company.Store(companyExists)
		return nil
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "abraflexi: the server has no such company",
		slog.String("company", c.cfg.Company), slog.Any("companies", names))
	return &CompanyError{Company: c.cfg.Company, Host: c.base.Host, Available: names, Err: ae}
}

// companies reads the server's company list, GET /c.json:
// {"companies":{"company":[{"dbNazev":"demo",…},…]}} ("company" is an
// object when there is one). ok is false when the answer is not that.
func (c *Client) companies(ctx context.Context) (names []string, ok bool) {
	req, err := retryablehttp.NewRequestWithContext(withRetryClass(ctx, retryRead), http.MethodGet, c.base.String()+"/c.json", nil)
	if err != nil {
		return nil, false
	}
	req.SetBasicAuth(c.cfg.Login, c.cfg.Password)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, false
	}
	var env struct {
		Companies struct {
			Company json.RawMessage `json:"company"`
		} `json:"companies"`
	}
	if json.Unmarshal(b, &env) != nil || len(env.Companies.Company) == 0 {
		return nil, false
	}
	type company struct {
		DBName string `json:"dbNazev"`
	}
	var list []company
	if err := json.Unmarshal(env.Companies.Company, &list); err != nil {
		var one company
		if json.Unmarshal(env.Companies.Company, &one) != nil {
			return nil, false
		}
		list = []company{one}
	}
	for _, co := range list {
		if co.DBName != "" {
			names = append(names, co.DBName)
		}
	}
	return names, len(names) > 0
}

package notify

import (
	"strings"

	"github.com/shopspring/decimal"
)

// DefaultCurrency is the default home currency (HOME_CURRENCY): the
// currency of a document without mena and of the sumCelkem and
// zbyvaUhradit figures.
const DefaultCurrency = "CZK"

// FormatAmount formats d with two decimals for lang. Czech ("cs", the
// default) groups thousands with a space and uses a decimal comma
// ("1 210,00"); English ("en") uses "1,210.00". The currency code is not
// included: templates print it next to the amount ("1 210,00 CZK").
// Amounts are rounded half away from zero to two decimals.
func FormatAmount(d decimal.Decimal, lang string) string {
	group, point := " ", ","
	if lang == "en" {
		group, point = ",", "."
	}
	s := d.StringFixed(2)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	b.WriteString(point)
	b.WriteString(frac)
	return b.String()
}

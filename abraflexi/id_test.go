package abraflexi

import (
	"encoding/json"
	"net/url"
	"testing"
)

func TestIDPathSegment(t *testing.T) {
	tests := []struct {
		id   ID
		want string
	}{
		{NumericID(123), "123"},
		{CodeID("abc"), "code:ABC"},
		{CodeID("VF1-0001/2024"), "code:VF1-0001%2F2024"},
		{CodeID("A B"), "code:A%20B"},
		{CodeID("O'B"), "code:O%27B"},
		{CodeID("X(1)"), "code:X%281%29"},
		{CodeID("100%"), "code:100%25"},
		{CodeID("B+0001/2024"), "code:B%2B0001%2F2024"},
		{ExtID("SHOP", "a/b:c"), "ext:SHOP:a%2Fb%3Ac"},
		{ExtID("", "e810294f-7d3a-4c1e-9b52-1f0c2a6d8e11"), "ext:e810294f-7d3a-4c1e-9b52-1f0c2a6d8e11"},
		{ExtID("", "a/b"), "ext:a%2Fb"},
	}
	for _, tt := range tests {
		got := tt.id.PathSegment()
		if got != tt.want {
			t.Errorf("%s: PathSegment = %q, want %q", tt.id, got, tt.want)
		}
		// The segment must survive URL parsing as exactly one segment.
		u, err := url.Parse("http://h/c/demo/adresar/" + got + ".json")
		if err != nil {
			t.Fatalf("%s: %v", tt.id, err)
		}
		if u.EscapedPath() != "/c/demo/adresar/"+got+".json" {
			t.Errorf("%s: escaped path changed to %q", tt.id, u.EscapedPath())
		}
		back, err := ParsePathSegment(got)
		if err != nil || back != tt.id {
			t.Errorf("%s: ParsePathSegment(%q) = %v, %v", tt.id, got, back, err)
		}
	}
}

func TestParseID(t *testing.T) {
	for _, s := range []string{"", "code:", "ext:", "ext:SYS:", "ext::v", "0", "-1", "abc"} {
		if _, err := ParseID(s); err == nil {
			t.Errorf("ParseID(%q): no error", s)
		}
	}
	if id := MustParseID("code:abc"); id.String() != "code:ABC" {
		t.Errorf("got %s", id)
	}
	if id := MustParseID("ext:S:v:w"); id.String() != "ext:S:v:w" {
		t.Errorf("got %s", id)
	}
	// AbraFlexi's own examples use ext ids without a system part.
	id, err := ParseID("ext:e810294f-7d3a-4c1e-9b52-1f0c2a6d8e11")
	if sys, val, ok := id.Ext(); err != nil || !ok || sys != "" || val != "e810294f-7d3a-4c1e-9b52-1f0c2a6d8e11" ||
		id.String() != "ext:e810294f-7d3a-4c1e-9b52-1f0c2a6d8e11" {
		t.Errorf("ext without system: %#v %v", id, err)
	}
}

func TestIDJSON(t *testing.T) {
	for in, want := range map[string]ID{
		`"12"`:             NumericID(12),
		`12`:               NumericID(12),
		`"code:VF1\/2024"`: CodeID("VF1/2024"),
		`"code:A\u0027B"`:  CodeID("A'B"),
		`"ext:SHOP:a:b"`:   ExtID("SHOP", "a:b"),
		`"ext:X"`:          ExtID("", "X"),
		`null`:             {},
		`""`:               {},
	} {
		var got ID
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
		if want.IsZero() {
			continue
		}
		b, _ := json.Marshal(got)
		var back ID
		if err := json.Unmarshal(b, &back); err != nil || back != want {
			t.Errorf("round trip %s: %v %v", b, back, err)
		}
		if p, err := ParsePathSegment(want.PathSegment()); err != nil || p != want {
			t.Errorf("path segment %s: %v %v", want.PathSegment(), p, err)
		}
	}
	for _, bad := range []string{`"abc"`, `"-1"`, `"ext:"`, `"code:"`, `true`} {
		var got ID
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s decoded as %v", bad, got)
		}
	}
}

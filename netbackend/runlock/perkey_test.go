package runlock_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spoje-net/isptools/netbackend/runlock"
)

func TestPerKey(t *testing.T) {
	ctx := context.Background()
	lock := runlock.PerKey("https://af.example:5434 demo "+t.Name(), -1)
	release, err := lock(ctx, "confirm faktura-vydana 1")
	if err != nil {
		t.Fatal(err)
	}
	// The same key is held; another key and another scope are free.
	if _, err := lock(ctx, "confirm faktura-vydana 1"); !errors.Is(err, runlock.ErrHeld) {
		t.Fatalf("same key: %v", err)
	}
	other, err := lock(ctx, "confirm faktura-vydana 2")
	if err != nil {
		t.Fatal(err)
	}
	otherScope, err := runlock.PerKey("https://af.example:5434 other "+t.Name(), -1)(ctx, "confirm faktura-vydana 1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []func() error{release, other, otherScope} {
		if err := r(); err != nil {
			t.Fatal(err)
		}
	}
	again, err := lock(ctx, "confirm faktura-vydana 1")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	_ = again()
}

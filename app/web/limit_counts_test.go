package web

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/ulule/limiter/v3"
)

// TestLimitMemoryPerKey measures what one more tracked client costs a limit:
// the bytes allocated per key (a client's /64, as clientKey writes it, built
// beforehand) stay under 200, and a table at its bound allocates nothing for
// clients past it.
func TestLimitMemoryPerKey(t *testing.T) {
	const keys = 20000
	rate := limiter.Rate{Period: time.Hour, Limit: 10}
	names := make([]string, 2*keys)
	for i := range names {
		names[i] = fmt.Sprintf("2001:db8:%x:%x::/64", i/65536, i%65536)
	}
	counts := newKeyCounts(keys)
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, name := range names[:keys] {
		_, _ = counts.Get(ctx, name, rate)
	}
	runtime.ReadMemStats(&after)
	perKey := (after.TotalAlloc - before.TotalAlloc) / keys
	t.Logf("%d bytes allocated per tracked client (the key's text apart)", perKey)
	if perKey > 200 {
		t.Errorf("%d bytes per tracked client, want under 200", perKey)
	}
	runtime.ReadMemStats(&before)
	for _, name := range names[keys:] {
		_, _ = counts.Get(ctx, name, rate)
	}
	runtime.ReadMemStats(&after)
	if n, shared := counts.stats(); n != keys || shared != keys {
		t.Errorf("after %d more clients: %d tracked, %d events shared; want %d and %d", keys, n, shared, keys, keys)
	}
	if grew := (after.TotalAlloc - before.TotalAlloc) / keys; grew > 8 {
		t.Errorf("%d bytes per client past the bound, want none", grew)
	}
}

// keyCounts counts per key in fixed windows, forgets expired windows as new
// keys come, shares one window past its bound, and takes events back.
func TestKeyCounts(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	counts := newKeyCounts(2)
	counts.now = func() time.Time { return now }
	rate := limiter.Rate{Period: time.Minute, Limit: 2}
	ctx := context.Background()
	get := func(key string) limiter.Context {
		c, _ := counts.Get(ctx, key, rate)
		return c
	}
	if c := get("a"); c.Remaining != 1 || c.Reached {
		t.Fatalf("a once: %+v", c)
	}
	get("a")
	if c := get("a"); !c.Reached {
		t.Fatalf("a thrice: %+v", c)
	}
	_, _ = counts.Increment(ctx, "a", -1, rate)
	if c, _ := counts.Peek(ctx, "a", rate); c.Remaining != 0 || c.Reached {
		t.Fatalf("a after one taken back: %+v", c)
	}
	now = now.Add(30 * time.Second)
	get("b")
	if c := get("c"); c.Remaining != 1 { // c shares the window: a and b fill the table
		t.Fatalf("c: %+v", c)
	}
	if c := get("d"); c.Remaining != 0 {
		t.Fatalf("d shares c's window: %+v", c)
	}
	if n, shared := counts.stats(); n != 2 || shared != 2 {
		t.Fatalf("stats %d %d", n, shared)
	}
	now = now.Add(31 * time.Second) // a's window is over, b's is not
	if c := get("e"); c.Remaining != 1 {
		t.Fatalf("e after a expired: %+v", c)
	}
	if _, ok := counts.windows["a"]; ok {
		t.Errorf("a's expired window is still kept")
	}
	if c := get("b"); c.Remaining != 0 {
		t.Fatalf("b keeps its window: %+v", c)
	}
	_, _ = counts.Increment(ctx, "never-seen", -1, rate) // taking back from nothing creates nothing
	if n, _ := counts.stats(); n != 2 {
		t.Errorf("%d tracked after a give-back of an unknown key", n)
	}
}

package web

import (
	"context"
	"sync"
	"time"

	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/common"
)

// keyCounts is the memory of one rate limit (a limiter.Store): a fixed window
// with its count per key, for at most most keys. Each key costs about 135
// bytes (TestLimitMemoryPerKey measures it) plus the key itself. Windows are
// kept in order of expiry, so expired ones are dropped from the front as new
// keys come, with no sweeping goroutine. When most keys have live windows, a
// new key is counted in one window shared by every such key until old
// windows expire: many distinct clients can neither grow memory nor push
// anyone's count out to start afresh.
type keyCounts struct {
	mu      sync.Mutex
	most    int
	windows map[string]*window
	// oldest and newest end the list of windows in order of expiry (for one
	// rate, the order in which they began).
	oldest, newest *window
	shared         window
	sharedEvents   uint64 // events counted in the shared window, ever
	now            func() time.Time
}

// window is one key's count until expires (Unix nanoseconds).
type window struct {
	key        string
	count      int64
	expires    int64
	prev, next *window
}

func newKeyCounts(most int) *keyCounts {
	return &keyCounts{most: max(most, 1), windows: map[string]*window{}, now: time.Now}
}

// Get counts one event for key.
func (k *keyCounts) Get(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	return k.Increment(ctx, key, 1, rate)
}

// Increment adds n events (n < 0 takes events back, never below zero) to
// key's window and returns its state.
func (k *keyCounts) Increment(_ context.Context, key string, n int64, rate limiter.Rate) (limiter.Context, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	w := k.find(key, now)
	if w == nil && n > 0 {
		w = k.open(key, now, rate.Period)
	}
	if w == nil {
		return common.GetContextFromState(now, rate, now.Add(rate.Period), 0), nil
	}
	w.count = max(w.count+n, 0)
	if w == &k.shared && n > 0 {
		k.sharedEvents += uint64(n)
	}
	return common.GetContextFromState(now, rate, time.Unix(0, w.expires), w.count), nil
}

// Peek returns key's state without counting.
func (k *keyCounts) Peek(_ context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if w := k.find(key, now); w != nil {
		return common.GetContextFromState(now, rate, time.Unix(0, w.expires), w.count), nil
	}
	return common.GetContextFromState(now, rate, now.Add(rate.Period), 0), nil
}

// Reset forgets key's window.
func (k *keyCounts) Reset(_ context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if w := k.windows[key]; w != nil {
		k.remove(w)
	}
	now := k.now()
	return common.GetContextFromState(now, rate, now.Add(rate.Period), 0), nil
}

// find returns key's live window: its own, else the shared one while that is
// live and the table is full; nil when there is none.
func (k *keyCounts) find(key string, now time.Time) *window {
	if w := k.windows[key]; w != nil {
		if w.expires > now.UnixNano() {
			return w
		}
		k.remove(w)
	}
	k.dropExpired(now)
	if len(k.windows) >= k.most && k.shared.expires > now.UnixNano() {
		return &k.shared
	}
	return nil
}

// open starts key's window, or, while the table is full, the shared one.
func (k *keyCounts) open(key string, now time.Time, period time.Duration) *window {
	expires := now.Add(period).UnixNano()
	if len(k.windows) >= k.most {
		k.shared = window{expires: expires}
		return &k.shared
	}
	w := &window{key: key, expires: expires, prev: k.newest}
	if k.newest != nil {
		k.newest.next = w
	} else {
		k.oldest = w
	}
	k.newest = w
	k.windows[key] = w
	return w
}

// dropExpired forgets the windows that have ended, oldest first.
func (k *keyCounts) dropExpired(now time.Time) {
	for k.oldest != nil && k.oldest.expires <= now.UnixNano() {
		k.remove(k.oldest)
	}
}

func (k *keyCounts) remove(w *window) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		k.oldest = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		k.newest = w.prev
	}
	w.prev, w.next = nil, nil
	delete(k.windows, w.key)
}

// stats returns how many keys have a window of their own, and how many events
// were ever counted in the shared window.
func (k *keyCounts) stats() (keys int, shared uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.windows), k.sharedEvents
}

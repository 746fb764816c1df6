package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"venuebook/app/mail/smtptest"
)

// BenchmarkThroughput measures what issue #17 measures, in one run, on this
// machine's disk: the bare SQLite booking transaction as the ceiling; bookings
// per second over HTTP at 16 and 64 clients; availability of 50 rooms × 31
// days with 10,000 bookings at 64 clients against the same answer served from
// memory; bookings under mixed load; 16 clients racing for each of 200
// starts; the process's peak RSS. Each part runs a fixed workload once
// (-benchtime=1x is enough).
func BenchmarkThroughput(b *testing.B) {
	const bookings = 2000
	resetPeakRSS()
	b.Run("bare/sync=FULL", func(b *testing.B) { bareTransactions(b, bookings, 16, "FULL") })
	b.Run("bare/sync=NORMAL", func(b *testing.B) { bareTransactions(b, 4*bookings, 16, "NORMAL") })
	for _, clients := range []int{16, 64} {
		b.Run(fmt.Sprintf("http/clients=%d", clients), func(b *testing.B) {
			v := throughputVenue(b, 50, "")
			elapsed, lat := bookAll(b, v.URL, benchBookings(0, bookings), clients)
			b.ReportMetric(float64(bookings)/elapsed.Seconds(), "bookings/s")
			b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
			b.ReportMetric(float64(v.Svc.Store.BatchedWrites.Load())/float64(max(1, v.Svc.Store.Batches.Load())), "per-batch")
		})
	}
	b.Run("availability/50rooms", func(b *testing.B) {
		v := throughputVenue(b, 50, "seed")
		queries := availabilityQueries(4000, benchStart)
		// Both are read by the same client (benchGet).
		get := benchGet(b)
		elapsed, lat := runClients(b, len(queries), 64, func(i int) error { return get(v.URL + queries[i]) })
		b.ReportMetric(float64(len(queries))/elapsed.Seconds(), "queries/s")
		b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
		// The floor: one such answer, served from memory over loopback HTTP.
		r := v.do(b, "GET", queries[0], nil, nil)
		floor := memoryServer(b, r.Body)
		elapsed, lat = runClients(b, len(queries), 64, func(i int) error { return get(floor) })
		b.ReportMetric(float64(len(queries))/elapsed.Seconds(), "floor-queries/s")
		b.ReportMetric(ms(percentile(lat, 0.99)), "floor-p99-ms")
		b.ReportMetric(float64(len(r.Body))/1024, "answer-KB")
	})
	// Mixed load: 64 clients read availability while 16 book, until the
	// bookings are done. In "mixed" they read the seeded month and book a
	// year later (a booking leaves the read answers standing); in
	// "mixed/same-month" they read the month being booked, so every booking
	// changes the answers they read.
	for _, sameMonth := range []bool{false, true} {
		name := "mixed"
		if sameMonth {
			name = "mixed/same-month"
		}
		b.Run(name, func(b *testing.B) {
			v := throughputVenue(b, 50, "seed")
			first := benchStart
			if sameMonth {
				first = benchStart.AddDate(1, 0, 0)
			}
			n, reads, lat, elapsed := mixedLoad(b, v, first)
			b.ReportMetric(float64(n)/elapsed.Seconds(), "bookings/s")
			b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
			b.ReportMetric(reads, "reads/s")
		})
	}
	b.Run("mail", func(b *testing.B) {
		// 16 clients book while the mail worker sends every confirmation
		// and owner's copy to a real SMTP server on loopback: bookings/s
		// with mail, how many messages wait when the bookings are done,
		// and messages/s from the first booking to the last message.
		srv := smtptest.New(b)
		v := throughputVenue(b, 50, "", func(o *venueOptions) { o.SMTPPort = srv.Port })
		began := time.Now()
		elapsed, lat := bookAll(b, v.URL, benchBookings(40000, bookings), 16)
		waiting := v.countRows(b, "SELECT count(*) FROM outbox WHERE status <> 'sent'")
		total := v.countRows(b, "SELECT count(*) FROM outbox")
		booked := time.Now()
		srv.WaitMessages(total, 10*time.Minute)
		b.ReportMetric(float64(bookings)/elapsed.Seconds(), "bookings/s")
		b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
		b.ReportMetric(float64(waiting), "waiting-at-end")
		b.ReportMetric(float64(total)/time.Since(began).Seconds(), "mails/s")
		b.ReportMetric(float64(waiting)/time.Since(booked).Seconds(), "drain-mails/s")
	})
	b.Run("contention", func(b *testing.B) {
		// 16 clients race for each of 200 starts: exactly one winner each.
		v := throughputVenue(b, 1, "")
		const starts, racers = 200, 16
		won := make([]atomic.Int32, starts)
		bodies := make([][]byte, starts*racers)
		for i := range bodies {
			bodies[i] = throughputBody(i/racers, i)
		}
		// Each client's connection is opened first: the race is timed,
		// not 320 TCP handshakes.
		client := benchClient(b)
		runClients(b, starts*racers/10, starts*racers/10, func(int) error {
			resp, err := client.Get(v.URL + "/healthz")
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			return err
		})
		post := benchPostWith(client, v.URL)
		cpu0 := processCPU()
		elapsed, lat := runClients(b, starts*racers, starts*racers/10, func(i int) error {
			status, err := post(bodies[i])
			switch {
			case err != nil:
				return err
			case status == 201:
				won[i/racers].Add(1)
			case status != 409:
				return fmt.Errorf("start %d: %d", i/racers, status)
			}
			return nil
		})
		for i := range won {
			if n := won[i].Load(); n != 1 {
				b.Errorf("start %d: %d winners", i, n)
			}
		}
		b.ReportMetric(float64(starts)/elapsed.Seconds(), "starts/s")
		b.ReportMetric(ms(percentile(lat, 0.5)), "p50-ms")
		b.ReportMetric((processCPU()-cpu0).Seconds()/elapsed.Seconds(), "cpu-cores")
		b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
		b.ReportMetric(float64(v.Svc.Store.BatchedWrites.Load()), "writes")
		b.ReportMetric(float64(v.Svc.Store.BatchedWrites.Load())/float64(max(1, v.Svc.Store.Batches.Load())), "per-batch")
	})
	b.Run("rss", func(b *testing.B) { b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB") })
	b.Run("process", func(b *testing.B) {
		// The venuebook binary itself, measured from outside: its cold
		// start on the 10,000-booking file (until /healthz answers, and
		// until a first write succeeds), then 64 clients reading
		// availability while 16 book, its mail going to an SMTP server,
		// and its own peak RSS.
		srv := smtptest.New(b)
		opts := throughputOptions(b, func(o *venueOptions) { o.Rooms, o.SMTPPort = 50, srv.Port })
		setup := newVenue(b, opts)
		addOwner(b, setup, ownerEmail, ownerPassword) // serveBinary signs in: its first write
		setup.close(b)
		seedRooms(b, opts.DatabasePath, 50, 10000)
		bin := buildVenuebook(b)
		cfg, base := binaryConfig(b, opts, opts.DatabasePath)
		sb := serveBinary(b, bin, cfg, base)
		v := &testVenue{URL: base, Client: benchClient(b)}
		bookings, reads, lat, elapsed := mixedLoad(b, v, benchStart)
		b.ReportMetric(float64(sb.startup.Milliseconds()), "cold-start-ms")
		b.ReportMetric(float64(sb.writable.Milliseconds()), "first-write-ms")
		b.ReportMetric(float64(bookings)/elapsed.Seconds(), "bookings/s")
		b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
		b.ReportMetric(reads, "reads/s")
		b.ReportMetric(float64(sb.peakRSS())/(1<<20), "peak-RSS-MB")
		sb.stopQuietly() // it logged every request and email, at info as in production
	})
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// mixedLoad has 64 clients read 31 days of availability from the first week
// after first while 16 book 2,000 starts a year after benchStart, and
// returns the bookings made, the reads per second, the bookings' latencies
// and how long they took.
func mixedLoad(b *testing.B, v *testVenue, first time.Time) (bookings int, readsPerSecond float64, lat []time.Duration, elapsed time.Duration) {
	const n = 2000
	queries := availabilityQueries(100000, first)
	get := benchGet(b)
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; !stop.Load(); i += 64 {
				if get(v.URL+queries[i%len(queries)]) == nil {
					reads.Add(1)
				}
			}
		}()
	}
	began := time.Now()
	elapsed, lat = bookAll(b, v.URL, benchBookings(0, n), 16)
	stop.Store(true)
	wg.Wait()
	return n, float64(reads.Load()) / time.Since(began).Seconds(), lat, elapsed
}

// throughputVenue is a venue of rooms rooms open all day, every hour a
// start, no notice and no gap; seed "seed" fills it with 10,000 bookings
// first (over about 31 days from benchStart).
func throughputVenue(b *testing.B, rooms int, seed string, edits ...func(*venueOptions)) *testVenue {
	b.Helper()
	opts := throughputOptions(b, append([]func(*venueOptions){func(o *venueOptions) { o.Rooms = rooms }}, edits...)...)
	if seed != "" {
		newVenue(b, opts).close(b)
		seedRooms(b, opts.DatabasePath, rooms, 10000)
	}
	return newVenue(b, opts)
}

// throughputOptions are the venue of the throughput benchmark: open all
// day, every hour a start, no notice and no gap, ten years ahead.
func throughputOptions(b *testing.B, edits ...func(*venueOptions)) venueOptions {
	opts := venueOptions{Gap: -1, Hours: "00:00-24:00", StepMinutes: 60, NoticeMin: -1, AdvanceDays: 3660, NoClosures: true,
		DatabasePath: filepath.Join(b.TempDir(), "venuebook.db")}
	for _, edit := range edits {
		edit(&opts)
	}
	return opts
}

// throughputBody books start number n (an hour each, from benchStart) for
// client i; every client has its own email, as real customers do. It is
// encoded once, before any clock runs: the load generator shares the two
// cores with the server, so it does as little as it can.
func throughputBody(n, i int) []byte {
	body, err := json.Marshal(bookingBody(benchStart.AddDate(1, 0, 0).Add(time.Duration(n)*time.Hour).Format(time.RFC3339), func(m map[string]any) {
		m["customer"].(map[string]any)["email"] = "guest" + strconv.Itoa(i) + "@example.com"
	}))
	if err != nil {
		panic(err)
	}
	return body
}

// benchBookings are the bodies of bookings first..first+n-1 (throughputBody).
func benchBookings(first, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = throughputBody(first+i, first+i)
	}
	return out
}

// benchPost returns a POST of a JSON body to a venue's /api/bookings that
// keeps its connections open and reads each answer to its end into
// io.Discard; it returns the status.
func benchPost(b *testing.B, base string) func(body []byte) (int, error) {
	return benchPostWith(benchClient(b), base)
}

// benchClient keeps up to 600 connections open, and closes them when the
// part ends (left idle, a stopping server would answer them).
func benchClient(b *testing.B) *http.Client {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 600, MaxIdleConns: 600}}
	b.Cleanup(client.CloseIdleConnections)
	return client
}

func benchPostWith(client *http.Client, base string) func(body []byte) (int, error) {
	return func(body []byte) (int, error) {
		resp, err := client.Post(base+"/api/bookings", "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}
}

// bookAll books bodies over clients concurrent clients, each answer a 201.
func bookAll(b *testing.B, base string, bodies [][]byte, clients int) (time.Duration, []time.Duration) {
	post := benchPost(b, base)
	return runClients(b, len(bodies), clients, func(i int) error {
		status, err := post(bodies[i])
		if err == nil && status != 201 {
			err = fmt.Errorf("booking %d: %d", i, status)
		}
		return err
	})
}

// availabilityQueries are n 31-day availability queries from random dates
// of the first week from first.
func availabilityQueries(n int, first time.Time) []string {
	rng := rand.New(rand.NewSource(1))
	out := make([]string, n)
	for i := range out {
		from := first.AddDate(0, 0, rng.Intn(7))
		out[i] = "/api/availability?package=classic-60&from=" + from.Format("2006-01-02") + "&to=" + from.AddDate(0, 0, 30).Format("2006-01-02")
	}
	return out
}

// seedRooms writes n hour-long bookings over rooms rooms, hour after hour
// from benchStart, round the rooms, three of every four hours taken so that
// every day keeps free times.
func seedRooms(b *testing.B, path string, rooms, n int) {
	seedWith(b, path, n, func(i int) (string, time.Time) {
		hour := i / rooms
		return fmt.Sprintf("room%d", i%rooms+1), benchStart.Add(time.Duration(hour+hour/3) * time.Hour)
	})
}

// bareTransactions is the ceiling: the booking transaction alone on one
// SQLite connection (BEGIN IMMEDIATE, the overlap check, the insert,
// COMMIT), WAL, synchronous as given, n bookings from workers goroutines.
// The overlap check reads the index by end, so it reads only the bookings
// that end after the new one starts: its cost does not grow with the table.
func bareTransactions(b *testing.B, n, workers int, synchronous string) {
	path := filepath.Join(b.TempDir(), "bare.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous("+synchronous+")&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE bookings (id INTEGER PRIMARY KEY, room TEXT NOT NULL, start_at INTEGER NOT NULL, end_at INTEGER NOT NULL);
		CREATE INDEX bookings_room ON bookings (room, end_at)`); err != nil {
		b.Fatal(err)
	}
	elapsed, lat := runClients(b, n, workers, func(i int) error {
		tx, err := db.BeginTx(context.Background(), nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		start := int64(i) * 3600
		var clash int
		if err := tx.QueryRow("SELECT count(*) FROM bookings WHERE room = 'a' AND end_at > ? AND start_at < ?", start, start+3600).Scan(&clash); err != nil {
			return err
		}
		if clash == 0 {
			if _, err := tx.Exec("INSERT INTO bookings (room, start_at, end_at) VALUES ('a', ?, ?)", start, start+3600); err != nil {
				return err
			}
		}
		return tx.Commit()
	})
	b.ReportMetric(float64(n)/elapsed.Seconds(), "bookings/s")
	b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
}

// memoryServer serves body from memory on loopback and returns its URL.
func memoryServer(b *testing.B, body []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// benchGet returns a GET that keeps up to 600 connections open and reads
// each answer to its end into io.Discard's pooled buffers, failing unless
// it is a 200.
func benchGet(b *testing.B) func(url string) error {
	client := benchClient(b)
	return func(url string) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != 200 {
			return fmt.Errorf("%s: %d %v", url, resp.StatusCode, err)
		}
		return nil
	}
}

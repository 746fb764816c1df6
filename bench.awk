# bench.awk turns `go test -bench` output of app/web into the booking engine's
# figures table (see README "Performance").
/^BenchmarkThroughput\// {
	name = $1; sub(/-[0-9]+$/, "", name); split(name, parts, "/"); part = parts[2] "/" parts[3]
	for (i = 3; i < NF; i++) tp[part, $(i+1)] = $i
}
/^BenchmarkYearsOfData/ {
	for (i = 3; i < NF; i++) { m = $(i+1); years[m] = $i }
}
END {
	if (("bare/sync=FULL", "bookings/s") in tp) {
		full = tp["bare/sync=FULL", "bookings/s"]
		print ""
		print "Throughput (issue 17's workloads: BenchmarkThroughput)"
		printf "  bare SQLite booking transaction, 16 workers, one connection: %.0f/s at synchronous=FULL (p99 %.1f ms), %.0f/s at NORMAL\n", full, tp["bare/sync=FULL", "p99-ms"], tp["bare/sync=NORMAL", "bookings/s"]
		printf "  HTTP bookings, 16 clients: %.0f/s, p99 %.1f ms, %.1f per batch: %.2fx the bare transaction (target 1.0)\n", tp["http/clients=16", "bookings/s"], tp["http/clients=16", "p99-ms"], tp["http/clients=16", "per-batch"], tp["http/clients=16", "bookings/s"] / full
		printf "  HTTP bookings, 64 clients: %.0f/s, p99 %.1f ms, %.1f per batch: %.2fx the bare transaction (target 1.5)\n", tp["http/clients=64", "bookings/s"], tp["http/clients=64", "p99-ms"], tp["http/clients=64", "per-batch"], tp["http/clients=64", "bookings/s"] / full
		printf "  availability, 50 rooms x 31 days, 10,000 bookings, 64 clients: %.0f/s, p99 %.1f ms (target 25); from memory: %.0f/s, p99 %.1f ms (%.0f KB answers)\n", tp["availability/50rooms", "queries/s"], tp["availability/50rooms", "p99-ms"], tp["availability/50rooms", "floor-queries/s"], tp["availability/50rooms", "floor-p99-ms"], tp["availability/50rooms", "answer-KB"]
		printf "  mixed (64 reading the seeded month's availability, 16 booking a year later): bookings %.0f/s, p99 %.1f ms, %.2fx unmixed (target 0.5); reads %.0f/s\n", tp["mixed/", "bookings/s"], tp["mixed/", "p99-ms"], tp["mixed/", "bookings/s"] / tp["http/clients=16", "bookings/s"], tp["mixed/", "reads/s"]
		printf "  mixed, reading the month being booked: bookings %.0f/s, p99 %.1f ms, %.2fx unmixed; reads %.0f/s\n", tp["mixed/same-month", "bookings/s"], tp["mixed/same-month", "p99-ms"], tp["mixed/same-month", "bookings/s"] / tp["http/clients=16", "bookings/s"], tp["mixed/same-month", "reads/s"]
		printf "  mail (16 booking, the worker sending to SMTP on loopback): bookings %.0f/s, p99 %.1f ms; %.0f messages waiting when they were done; %.0f mails/s overall, %.0f/s draining after\n", tp["mail/", "bookings/s"], tp["mail/", "p99-ms"], tp["mail/", "waiting-at-end"], tp["mail/", "mails/s"], tp["mail/", "drain-mails/s"]
		printf "  contention, 16 clients racing for each of 200 starts: %.0f starts/s, one winner each (target 500)\n", tp["contention/", "starts/s"]
		printf "  peak RSS of the benchmark process (server and clients): %.0f MB\n", tp["rss/", "peak-RSS-MB"]
		printf "  the real binary on the 10,000-booking file: /healthz after %.0f ms, first write after %.0f ms (cold start); mixed load from outside: bookings %.0f/s, p99 %.1f ms, reads %.0f/s; its peak RSS %.0f MB (target 128)\n", tp["process/", "cold-start-ms"], tp["process/", "first-write-ms"], tp["process/", "bookings/s"], tp["process/", "p99-ms"], tp["process/", "reads/s"], tp["process/", "peak-RSS-MB"]
	}
	if ("startup-ms" in years) {
		print ""
		print "Years of data: 1,000,000 bookings (20 rooms, a decade), each with a sent confirmation"
		printf "  day view %.1f ms (page %.1f ms), a year's search %.1f ms (one matching a third of the year: %.1f ms), a year's stats %.1f ms (targets 50, 50, 500)\n", years["day-ms"], years["daypage-ms"], years["search-ms"], years["search-broad-ms"], years["stats-ms"]
		printf "  a year's export: %d MB in %d ms, process RSS +%d MB (peak %d MB; target under 100)\n", years["export-MB"], years["export-ms"], years["export-rss-growth-MB"], years["export-peak-rss-MB"]
		printf "  start-up in process %d ms (target 1000); PRAGMA quick_check alone %d ms (it runs while serving)\n", years["startup-ms"], years["quickcheck-ms"]
		printf "  the real binary after a clean stop: /healthz 200 after %d ms, first write (a sign-in) after %d ms, a year's export %d ms at peak RSS %d MB, stopped %d ms after SIGTERM\n", years["binary-startup-ms"], years["binary-writable-ms"], years["binary-export-ms"], years["binary-export-peak-rss-MB"], years["binary-stop-ms"]
		printf "  the real binary after a crash (writes wait for quick_check): first write after %d ms\n", years["binary-writable-after-crash-ms"]
		printf "  first nightly maintenance (purging a decade of mail bodies) %d ms\n", years["maintain-ms"]
	}
}

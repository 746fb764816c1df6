# bench.awk turns `go test -bench` output of app/web into the booking engine's
# figures table (see README "Performance").
/^BenchmarkCreateBooking\// {
	split($1, parts, "/"); kind = parts[2]; c = parts[3]; sub(/-[0-9]+$/, "", c); sub(/clients=/, "", c)
	for (i = 3; i < NF; i++) { if ($(i+1) == "bookings/s") rate[kind, c] = $i; if ($(i+1) == "p99-ms") p99[kind, c] = $i }
}
/^BenchmarkAvailability31Days/ {
	for (i = 3; i < NF; i++) { if ($(i+1) == "p50-ms") ap50 = $i; if ($(i+1) == "p99-ms") ap99 = $i; if ($(i+1) == "queries/s") aqps = $i }
}
/^BenchmarkThroughput\// {
	split($1, parts, "/"); part = parts[2] "/" parts[3]; sub(/-[0-9]+$/, "", part)
	for (i = 3; i < NF; i++) tp[part, $(i+1)] = $i
}
/^BenchmarkYearsOfData/ {
	for (i = 3; i < NF; i++) { m = $(i+1); years[m] = $i }
}
END {
	print ""
	print "Booking creations per second (distinct free slots, synchronous=FULL)"
	printf "%-8s %14s %14s %16s %8s\n", "clients", "HTTP/s", "HTTP p99 ms", "store ceiling/s", "ratio"
	n = split("1 16 64", cs, " ")
	for (k = 1; k <= n; k++) {
		c = cs[k]; r = (rate["store", c] > 0) ? rate["http", c] / rate["store", c] : 0
		printf "%-8s %14.0f %14.2f %16.0f %8.2f\n", c, rate["http", c], p99["http", c], rate["store", c], r
	}
	print ""
	printf "Availability, 31 days, 64 clients, 10,000 bookings: p50 %.2f ms, p99 %.2f ms, %.0f queries/s\n", ap50, ap99, aqps
	if (("bare/sync=FULL", "bookings/s") in tp) {
		full = tp["bare/sync=FULL", "bookings/s"]
		print ""
		print "Throughput (issue 17's workloads: BenchmarkThroughput)"
		printf "  bare SQLite booking transaction, 16 workers, one connection: %.0f/s at synchronous=FULL (p99 %.1f ms), %.0f/s at NORMAL\n", full, tp["bare/sync=FULL", "p99-ms"], tp["bare/sync=NORMAL", "bookings/s"]
		printf "  HTTP bookings, 16 clients: %.0f/s, p99 %.1f ms, %.1f per batch: %.2fx the bare transaction (target 1.0)\n", tp["http/clients=16", "bookings/s"], tp["http/clients=16", "p99-ms"], tp["http/clients=16", "per-batch"], tp["http/clients=16", "bookings/s"] / full
		printf "  HTTP bookings, 64 clients: %.0f/s, p99 %.1f ms, %.1f per batch: %.2fx the bare transaction (target 1.5)\n", tp["http/clients=64", "bookings/s"], tp["http/clients=64", "p99-ms"], tp["http/clients=64", "per-batch"], tp["http/clients=64", "bookings/s"] / full
		printf "  availability, 50 rooms x 31 days, 10,000 bookings, 64 clients: %.0f/s, p99 %.1f ms (target 25); from memory: %.0f/s, p99 %.1f ms (%.0f KB answers)\n", tp["availability/50rooms", "queries/s"], tp["availability/50rooms", "p99-ms"], tp["availability/50rooms", "floor-queries/s"], tp["availability/50rooms", "floor-p99-ms"], tp["availability/50rooms", "answer-KB"]
		printf "  mixed (64 reading availability, 16 booking): bookings %.0f/s, p99 %.1f ms, %.2fx unmixed (target 0.5); reads %.0f/s\n", tp["mixed/", "bookings/s"], tp["mixed/", "p99-ms"], tp["mixed/", "bookings/s"] / tp["http/clients=16", "bookings/s"], tp["mixed/", "reads/s"]
		printf "  contention, 16 clients racing for each of 200 starts: %.0f starts/s, one winner each (target 500)\n", tp["contention/", "starts/s"]
		printf "  peak RSS of the benchmark process: %.0f MB (target 128)\n", tp["rss/", "peak-RSS-MB"]
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

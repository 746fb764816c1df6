package store

// upgrades bring a database written by an older venuebook to the schema of
// schema.sql, one version at a time. A new schema version adds its step here and
// changes schema.sql to the result, so that a new database and an upgraded one
// are the same; TestUpgradePath proves the mechanism.
var upgrades = []Upgrade{
	// 2: an index on bookings by start, for the console's lists, reports and
	// the export at any table size.
	{To: 2, SQL: "CREATE INDEX bookings_start ON bookings (start_at);"},
}

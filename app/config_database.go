package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	"venuebook/store"
)

// CheckAgainstDatabase reports, as problems that name their keys, what the
// server would refuse at start-up when it syncs cfg's catalog into the
// existing database at database.path: a package moved to another tier than
// its bookings have (the rule of store.SyncCatalog). It opens the database
// read-only and never changes it; without a database file there is nothing
// to check. An error means the database could not be read.
func CheckAgainstDatabase(ctx context.Context, cfg *Config) ([]string, error) {
	found, err := store.CheckCatalog(ctx, cfg.Database.Path, catalogOf(cfg))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, f := range found {
		key := "tiers"
		var move *store.PackageMoveError
		if errors.As(f, &move) {
			for i, t := range cfg.Tiers {
				for j, p := range t.Packages {
					if p.ID == move.Package {
						key = fmt.Sprintf("tiers[%d].packages[%d].id", i, j)
					}
				}
			}
		}
		problems = append(problems, fmt.Sprintf("%s: %v (in %s; the server would refuse to start)", key, f, cfg.Database.Path))
	}
	return problems, nil
}

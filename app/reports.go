package app

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"venuebook/store"
)

// TierMonth is one row of the report: a tier's bookings in a month.
type TierMonth struct {
	Tier         string `json:"tier"`
	Month        string `json:"month"`
	Bookings     int    `json:"bookings"`
	Guests       int    `json:"guests"`
	RevenueCents int64  `json:"revenue_cents"`
	Cancelled    int    `json:"cancelled"`
	NoShows      int    `json:"no_shows"`
}

// RoomMonth is a room's occupancy in a month: booked time over opening time.
type RoomMonth struct {
	Room          string  `json:"room"`
	Month         string  `json:"month"`
	BookedMinutes int     `json:"booked_minutes"`
	OpenMinutes   int     `json:"open_minutes"`
	Occupancy     float64 `json:"occupancy"`
}

// Stats returns bookings, guests and revenue per tier per month (cancelled
// bookings counted apart, not in revenue), and occupancy per room per month,
// for bookings starting on the local dates from..to.
func (s *Service) Stats(ctx context.Context, from, to Date) ([]TierMonth, []RoomMonth, error) {
	bookings, err := s.ListBookings(ctx, from, to, "", "")
	if err != nil {
		return nil, nil, err
	}
	loc := s.Rules.Location
	tiers := map[[2]string]*TierMonth{}
	rooms := map[[2]string]*RoomMonth{}
	for d := from; !to.Before(d); d = d.AddDays(1) {
		month := d.String()[:7]
		open := 0
		if !s.Rules.Closed(d) {
			for _, r := range s.Rules.Week[d.Weekday()] {
				open += int(d.At(r.End, loc).Sub(d.At(r.Start, loc)) / time.Minute)
			}
		}
		for _, r := range s.Config.Rooms {
			k := [2]string{r.ID, month}
			if rooms[k] == nil {
				rooms[k] = &RoomMonth{Room: r.ID, Month: month}
			}
			rooms[k].OpenMinutes += open
		}
	}
	for _, b := range bookings {
		month := DateOf(b.Start, loc).String()[:7]
		k := [2]string{b.TierID, month}
		if tiers[k] == nil {
			tiers[k] = &TierMonth{Tier: b.TierID, Month: month}
		}
		t := tiers[k]
		switch b.Status {
		case store.StatusCancelled:
			t.Cancelled++
			continue
		case store.StatusNoShow:
			t.NoShows++
		}
		t.Bookings++
		t.Guests += b.Guests
		t.RevenueCents += b.PriceCents
		if r := rooms[[2]string{b.RoomID, month}]; r != nil {
			r.BookedMinutes += int(b.End.Sub(b.Start) / time.Minute)
		}
	}
	var tierRows []TierMonth
	for _, t := range tiers {
		tierRows = append(tierRows, *t)
	}
	sort.Slice(tierRows, func(i, j int) bool {
		return tierRows[i].Month < tierRows[j].Month || (tierRows[i].Month == tierRows[j].Month && tierRows[i].Tier < tierRows[j].Tier)
	})
	var roomRows []RoomMonth
	for _, r := range rooms {
		if r.OpenMinutes > 0 {
			r.Occupancy = float64(int(float64(r.BookedMinutes)/float64(r.OpenMinutes)*1000+0.5)) / 1000
		}
		roomRows = append(roomRows, *r)
	}
	sort.Slice(roomRows, func(i, j int) bool {
		return roomRows[i].Month < roomRows[j].Month || (roomRows[i].Month == roomRows[j].Month && roomRows[i].Room < roomRows[j].Room)
	})
	return tierRows, roomRows, nil
}

// ExportCSV writes the bookings starting on the local dates from..to as CSV.
// A cell that a spreadsheet would run as a formula (starting with = + - @, a
// tab or a carriage return) is written with a leading apostrophe.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, from, to Date) error {
	bookings, err := s.ListBookings(ctx, from, to, "", "")
	if err != nil {
		return err
	}
	loc := s.Rules.Location
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"reference", "status", "date", "start", "end", "tier", "package", "room", "guests", "price", "currency",
		"name", "email", "phone", "notes", "vehicle_registration", "permit_status", "created_at"})
	for _, b := range bookings {
		reg, permit := "", ""
		if b.Permit != nil {
			reg, permit = b.Permit.VehicleRegistration, b.Permit.Status
		}
		row := []string{b.Reference, b.Status, DateOf(b.Start, loc).String(), FormatInstant(b.Start, loc), FormatInstant(b.End, loc),
			b.TierID, b.PackageID, b.RoomID, strconv.Itoa(b.Guests), fmt.Sprintf("%d.%02d", b.PriceCents/100, b.PriceCents%100), b.Currency,
			b.CustomerName, b.CustomerEmail, b.CustomerPhone, b.Notes, reg, permit, FormatInstant(b.CreatedAt, loc)}
		for i, cell := range row {
			row[i] = csvSafe(cell)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

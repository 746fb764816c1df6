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
// for bookings starting on the local dates from..to. The sums are SQL's, one
// query per local month, so a year costs twelve index range scans.
func (s *Service) Stats(ctx context.Context, from, to Date) ([]TierMonth, []RoomMonth, error) {
	if err := s.CheckExportRange(from, to); err != nil {
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
	for first := from; !to.Before(first); {
		next := Date{Year: first.Year, Month: first.Month, Day: 1}.AddDays(31)
		next = Date{Year: next.Year, Month: next.Month, Day: 1}
		last := next.AddDays(-1)
		if to.Before(last) {
			last = to
		}
		month := first.String()[:7]
		start, end := s.DateWindow(first, last)
		totals, err := s.Store.BookingTotals(ctx, start, end)
		if err != nil {
			return nil, nil, err
		}
		for _, g := range totals {
			k := [2]string{g.TierID, month}
			if tiers[k] == nil {
				tiers[k] = &TierMonth{Tier: g.TierID, Month: month}
			}
			t := tiers[k]
			switch g.Status {
			case store.StatusCancelled:
				t.Cancelled += g.Bookings
				continue
			case store.StatusNoShow:
				t.NoShows += g.Bookings
			}
			t.Bookings += g.Bookings
			t.Guests += g.Guests
			t.RevenueCents += g.PriceCents
			if r := rooms[[2]string{g.RoomID, month}]; r != nil {
				r.BookedMinutes += int(g.BookedSeconds / 60)
			}
		}
		first = next
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

// ExportCSV writes the bookings starting on the local dates from..to as CSV:
// UTF-8 with a byte-order mark (so Excel and LibreOffice read "Zoë" as such),
// every cell made formula-safe by csvSafe.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, from, to Date) error {
	if err := s.CheckExportRange(from, to); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	loc := s.Rules.Location
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"reference", "status", "date", "start", "end", "tier", "package", "room", "guests", "price", "currency",
		"name", "email", "phone", "notes", "vehicle_registration", "permit_status", "created_at", "source"})
	start, end := s.DateWindow(from, to)
	err := s.Store.EachBooking(ctx, store.BookingFilter{From: start, To: end}, func(b store.Booking) error {
		reg, permit := "", ""
		if b.Permit != nil {
			reg, permit = b.Permit.VehicleRegistration, b.Permit.Status
		}
		row := []string{b.Reference, b.Status, DateOf(b.Start, loc).String(), FormatInstant(b.Start, loc), FormatInstant(b.End, loc),
			b.TierID, b.PackageID, b.RoomID, strconv.Itoa(b.Guests), fmt.Sprintf("%d.%02d", b.PriceCents/100, b.PriceCents%100), b.Currency,
			b.CustomerName, b.CustomerEmail, b.CustomerPhone, b.Notes, reg, permit, FormatInstant(b.CreatedAt, loc), b.Source}
		for i, cell := range row {
			row[i] = csvSafe(cell)
		}
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// CheckExportRange refuses a range ExportCSV and Stats do not serve: to
// before from, or more than ten years.
func (s *Service) CheckExportRange(from, to Date) error {
	if to.Before(from) {
		return NewError(CodeInvalidRequest, "errors.range.reversed", "To", dateValue(to), "From", dateValue(from))
	}
	if from.DaysUntil(to) > 3660 {
		return NewError(CodeInvalidRequest, "errors.range.too_long")
	}
	return nil
}

// csvSeparators are the characters a spreadsheet may split a CSV line on: the
// comma, the semicolon of German or French Excel, the tab, and line breaks.
const csvSeparators = ",;\t\r\n"

// csvSafe keeps a cell data in every spreadsheet, whatever separator it splits
// on: each piece of the cell that would start a field — the cell's start, and
// whatever follows a separator inside it — and begins (after spaces and
// quotes) with = + - or @ gets a leading apostrophe, unless it is a plain
// number such as -5 or +1.5. "=1+2" becomes "'=1+2", "Ada;=1+2" becomes
// "Ada;'=1+2", "+44 20 7946 0958" becomes "'+44 20 7946 0958".
func csvSafe(cell string) string {
	var out strings.Builder
	pieceStart := true
	for i := 0; i < len(cell); i++ {
		if pieceStart {
			end := strings.IndexAny(cell[i:], csvSeparators)
			if end < 0 {
				end = len(cell) - i
			}
			piece := strings.TrimLeft(cell[i:i+end], " \"")
			if piece != "" && strings.ContainsRune("=+-@", rune(piece[0])) && !plainNumber(piece) {
				out.WriteByte('\'')
			}
			pieceStart = false
		}
		out.WriteByte(cell[i])
		pieceStart = strings.IndexByte(csvSeparators, cell[i]) >= 0
	}
	return out.String()
}

// plainNumber reports whether s is a number a spreadsheet reads as a value and
// never as a formula: an optional sign, digits, and an optional fraction.
func plainNumber(s string) bool {
	s = strings.TrimSpace(s)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	digits := func(d string) bool {
		if d == "" {
			return false
		}
		for _, c := range d {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	return digits(whole) && (!hasFrac || digits(frac))
}

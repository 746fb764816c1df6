-- venuebook schema: the whole current schema of a new database.
-- Instants are INTEGER Unix seconds, UTC. Older databases are brought here by the
-- upgrade steps in store/upgrades.go; PRAGMA user_version records the version.
-- The database refuses what the code must never do: every rule below is a second
-- line behind the Go code, proven by store tests that insert bad rows with raw SQL.

PRAGMA user_version = 5;

-- One row of named settings: the generated instance secret and similar values.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 100),
    value TEXT NOT NULL
) STRICT;

-- The booking rules the overlap trigger needs, synced from config at start-up.
-- max_duration_s bounds the overlap look-up: no booking lasts longer.
CREATE TABLE venue_rules (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    cleaning_gap_s INTEGER NOT NULL CHECK (cleaning_gap_s BETWEEN 0 AND 86400),
    max_duration_s INTEGER NOT NULL CHECK (max_duration_s BETWEEN 300 AND 86400)
) STRICT;
INSERT INTO venue_rules (id, cleaning_gap_s, max_duration_s) VALUES (1, 0, 86400);

-- The catalog, synced from config. Removed items are deactivated, never deleted.
CREATE TABLE rooms (
    id       TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 40),
    name     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    position INTEGER NOT NULL DEFAULT 0,
    active   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE tiers (
    id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 40),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    position    INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE packages (
    id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 40),
    tier_id     TEXT NOT NULL REFERENCES tiers (id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    duration_s  INTEGER NOT NULL CHECK (duration_s BETWEEN 300 AND 86400),
    price_cents INTEGER NOT NULL CHECK (price_cents BETWEEN 0 AND 100000000),
    max_guests  INTEGER NOT NULL CHECK (max_guests BETWEEN 1 AND 1000),
    position    INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (tier_id, id)
) STRICT;

CREATE TABLE bookings (
    id             TEXT PRIMARY KEY CHECK (length(id) = 26),
    reference      TEXT NOT NULL UNIQUE CHECK (reference GLOB 'VB-[A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9]'),
    tier_id        TEXT NOT NULL,
    package_id     TEXT NOT NULL,
    room_id        TEXT NOT NULL REFERENCES rooms (id),
    start_at       INTEGER NOT NULL,
    end_at         INTEGER NOT NULL,
    guests         INTEGER NOT NULL CHECK (guests BETWEEN 1 AND 1000),
    price_cents    INTEGER NOT NULL CHECK (price_cents BETWEEN 0 AND 100000000),
    currency       TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
    customer_name  TEXT NOT NULL CHECK (length(trim(customer_name)) BETWEEN 1 AND 100),
    -- '' only for a booking the owner took by phone or at the door (schema version 3).
    customer_email TEXT NOT NULL CHECK (customer_email = '' OR (length(customer_email) BETWEEN 3 AND 254 AND customer_email LIKE '%_@_%')),
    customer_phone TEXT NOT NULL DEFAULT '' CHECK (length(customer_phone) <= 40),
    notes          TEXT NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),
    status         TEXT NOT NULL DEFAULT 'confirmed'
                   CHECK (status IN ('confirmed', 'cancelled', 'completed', 'no_show')),
    sequence       INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    cancelled_at   INTEGER CHECK (cancelled_at IS NULL OR status = 'cancelled'),
    -- When the customer's confirmation email was sent (NULL: not yet).
    confirmation_sent_at INTEGER,
    -- When the reminder was queued (NULL: not yet); it is queued once.
    reminder_queued_at   INTEGER,
    -- Who took it: the customer online, or the owner at the desk (version 3).
    source         TEXT NOT NULL DEFAULT 'online' CHECK (source IN ('online', 'owner')),
    -- The language it was made in (BCP 47), for its later emails; '' = the venue's.
    language       TEXT NOT NULL DEFAULT '' CHECK (length(language) <= 35),
    -- What the console's search matches, written by the store: the reference,
    -- name, email and registration case-folded, and the phone's digits.
    search_text    TEXT NOT NULL DEFAULT '',
    CHECK (customer_email <> '' OR customer_phone <> ''),
    CHECK (end_at > start_at),
    CHECK (end_at - start_at BETWEEN 300 AND 86400),
    CHECK (start_at > 946684800), -- after 2000-01-01: a seconds value, not millis or zero
    CHECK (start_at < 32503680000),
    FOREIGN KEY (tier_id, package_id) REFERENCES packages (tier_id, id)
) STRICT;

-- Availability and the overlap check: a room's active bookings by start. It
-- covers both queries (end_at included), so they never touch the table rows.
CREATE INDEX bookings_room_start ON bookings (room_id, start_at, end_at) WHERE status <> 'cancelled';
-- The console's lists and search, reports and the export: bookings by start
-- (schema version 2).
CREATE INDEX bookings_start ON bookings (start_at);
-- The console's search and its counts (schema version 4): the index holds what
-- they match, so a year's search reads it and only the matching bookings.
CREATE INDEX bookings_search ON bookings (start_at, status, search_text);
-- Analytics: bookings per tier over time.
CREATE INDEX bookings_tier_start ON bookings (tier_id, start_at);
-- A customer's bookings by email, whatever its case.
CREATE INDEX bookings_customer_email ON bookings (customer_email COLLATE NOCASE);

-- No active booking may overlap another in the same room, cleaning gap included:
-- a and b conflict when a.start < b.end + gap AND b.start < a.end + gap.
-- The look-up is bounded below (start > new.start - gap - longest duration) so it
-- reads a handful of index entries whatever the size of the table.
CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.status <> 'cancelled'
BEGIN
    SELECT RAISE(ABORT, 'booking longer than the longest package')
    WHERE NEW.end_at - NEW.start_at > (SELECT max_duration_s FROM venue_rules WHERE id = 1);
    SELECT RAISE(ABORT, 'booking overlaps another booking in the same room')
    WHERE EXISTS (
        SELECT 1 FROM bookings AS b, venue_rules AS r
        WHERE r.id = 1
          AND b.room_id = NEW.room_id
          AND b.start_at > NEW.start_at - r.cleaning_gap_s - r.max_duration_s
          AND b.start_at < NEW.end_at + r.cleaning_gap_s
          AND NEW.start_at < b.end_at + r.cleaning_gap_s
          AND b.status <> 'cancelled');
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF room_id, start_at, end_at, status ON bookings
WHEN NEW.status <> 'cancelled'
     AND (OLD.status = 'cancelled' OR NEW.room_id <> OLD.room_id
          OR NEW.start_at <> OLD.start_at OR NEW.end_at <> OLD.end_at)
BEGIN
    SELECT RAISE(ABORT, 'booking longer than the longest package')
    WHERE NEW.end_at - NEW.start_at > (SELECT max_duration_s FROM venue_rules WHERE id = 1);
    SELECT RAISE(ABORT, 'booking overlaps another booking in the same room')
    WHERE EXISTS (
        SELECT 1 FROM bookings AS b, venue_rules AS r
        WHERE r.id = 1
          AND b.id <> NEW.id
          AND b.room_id = NEW.room_id
          AND b.start_at > NEW.start_at - r.cleaning_gap_s - r.max_duration_s
          AND b.start_at < NEW.end_at + r.cleaning_gap_s
          AND NEW.start_at < b.end_at + r.cleaning_gap_s
          AND b.status <> 'cancelled');
END;

-- A cancelled booking stays cancelled; history is not rewritten.
CREATE TRIGGER bookings_cancel_final BEFORE UPDATE OF status ON bookings
WHEN OLD.status = 'cancelled' AND NEW.status <> 'cancelled'
BEGIN
    SELECT RAISE(ABORT, 'a cancelled booking cannot be reactivated');
END;

-- Parking permit requests, one per booking at most, and their decision.
CREATE TABLE parking_permits (
    id                   TEXT PRIMARY KEY CHECK (length(id) = 26),
    booking_id           TEXT NOT NULL UNIQUE REFERENCES bookings (id),
    vehicle_registration TEXT NOT NULL CHECK (length(vehicle_registration) BETWEEN 2 AND 10
                                              AND vehicle_registration NOT GLOB '*[^A-Z0-9]*'),
    status               TEXT NOT NULL DEFAULT 'requested'
                         CHECK (status IN ('requested', 'approved', 'denied', 'expired', 'cancelled')),
    approver_email       TEXT NOT NULL DEFAULT '',
    decided_at           INTEGER,
    decided_by           TEXT NOT NULL DEFAULT '' CHECK (length(decided_by) <= 254),
    decision_note        TEXT NOT NULL DEFAULT '' CHECK (length(decision_note) <= 1000),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    -- A decision keeps its time even if the booking is cancelled later.
    CHECK (status NOT IN ('approved', 'denied') OR decided_at IS NOT NULL),
    CHECK (decided_at IS NULL OR status IN ('approved', 'denied', 'cancelled'))
) STRICT;
CREATE INDEX parking_permits_status ON parking_permits (status);

-- The approval links issued for a permit, by their JWT id. A link decides at
-- most once (used_at), and re-issuing supersedes the earlier ones.
CREATE TABLE permit_tokens (
    jti           TEXT PRIMARY KEY CHECK (length(jti) BETWEEN 16 AND 64),
    permit_id     TEXT NOT NULL REFERENCES parking_permits (id),
    issued_at     INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    superseded_at INTEGER,
    CHECK (expires_at > issued_at),
    CHECK (used_at IS NULL OR superseded_at IS NULL)
) STRICT;
CREATE INDEX permit_tokens_permit ON permit_tokens (permit_id);

-- Closed periods set by the owner: a room, or every room when room_id is NULL.
CREATE TABLE blackouts (
    id         INTEGER PRIMARY KEY,
    room_id    TEXT REFERENCES rooms (id),
    start_at   INTEGER NOT NULL,
    end_at     INTEGER NOT NULL,
    reason     TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
    created_at INTEGER NOT NULL,
    CHECK (end_at > start_at)
) STRICT;
CREATE INDEX blackouts_end ON blackouts (end_at);

-- Idempotency-Key of a POST that created a booking: a retry with the same key and
-- the same request returns that booking instead of booking twice.
CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY CHECK (length(key) BETWEEN 8 AND 128),
    fingerprint  TEXT NOT NULL CHECK (length(fingerprint) = 64),
    booking_id   TEXT NOT NULL REFERENCES bookings (id),
    created_at   INTEGER NOT NULL
) STRICT;

-- Every email is a row here, written in the same transaction as the change that
-- causes it, then sent by the mail worker: queued → sending → sent, or failed
-- (retried later with a growing delay) → dead after the last attempt.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('confirmation', 'owner_copy', 'cancellation', 'owner_cancellation',
                                                  'reminder', 'permit_request', 'permit_decision',
                                                  'change', 'owner_change')), -- a moved or corrected booking (version 3)
    booking_id      TEXT REFERENCES bookings (id),
    recipient       TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254 AND recipient NOT GLOB '*[' || char(10) || char(13) || ']*'),
    subject         TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300 AND subject NOT GLOB '*[' || char(10) || char(13) || ']*'),
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    ics             TEXT NOT NULL DEFAULT '',
    ics_method      TEXT NOT NULL DEFAULT '' CHECK (ics_method IN ('', 'PUBLISH', 'CANCEL')),
    message_id      TEXT NOT NULL UNIQUE CHECK (length(message_id) BETWEEN 8 AND 200),
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    claimed_at      INTEGER,
    last_error      TEXT NOT NULL DEFAULT '' CHECK (length(last_error) <= 2000),
    relay           TEXT NOT NULL DEFAULT '' CHECK (relay IN ('', 'primary', 'fallback', 'file')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    -- The Reply-To of a customer's email: venue.email, '' for none (version 5).
    reply_to        TEXT NOT NULL DEFAULT '' CHECK (length(reply_to) <= 254 AND reply_to NOT GLOB '*[' || char(10) || char(13) || ']*'),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
) STRICT;
-- The worker's look-up of due messages, and per-recipient counting.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient_sent ON outbox (recipient COLLATE NOCASE, sent_at) WHERE status = 'sent';
CREATE INDEX outbox_booking ON outbox (booking_id);
-- Bookings whose reminder is still to be queued, by start.
CREATE INDEX bookings_reminder_due ON bookings (start_at) WHERE reminder_queued_at IS NULL AND status = 'confirmed';

-- Owner accounts. Passwords are argon2id hashes in PHC form.
CREATE TABLE admins (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER
) STRICT;

-- Console sessions: only a hash of the cookie's random id is kept, so a copy
-- of the database opens no session. Logout deletes the row.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
    admin_id     INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL CHECK (length(csrf_token) >= 32),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX sessions_admin ON sessions (admin_id);

-- Every owner action and permit decision.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 300),
    action     TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    booking_id TEXT REFERENCES bookings (id),
    details    TEXT NOT NULL DEFAULT '' CHECK (length(details) <= 4000)
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_booking ON audit_log (booking_id);

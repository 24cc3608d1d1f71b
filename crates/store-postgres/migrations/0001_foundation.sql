-- Foundation: organizations, locations, users, memberships, sessions, API tokens, sign-in
-- throttling and the audit trail. Times are microseconds since the Unix epoch (UTC); ids are
-- UUIDv7 (UUID here, BLOB in SQLite). Sort keys use the C collation so that
-- pages come out in the same order as on SQLite.

CREATE TABLE organization (
    org_id       UUID PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('provider', 'client')),
    hipaa_role   TEXT NOT NULL CHECK (hipaa_role IN ('covered_entity', 'business_associate')),
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    name_key     TEXT COLLATE "C" NOT NULL,
    require_mfa  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    archived_at  BIGINT
);
-- An installation has exactly one provider.
CREATE UNIQUE INDEX organization_one_provider ON organization (kind) WHERE kind = 'provider';
CREATE INDEX organization_by_name ON organization (name_key, org_id);

CREATE TABLE location (
    location_id  UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    name         TEXT NOT NULL,
    name_key     TEXT COLLATE "C" NOT NULL,
    kind         TEXT NOT NULL,
    address      TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    archived_at  BIGINT
);
CREATE INDEX location_by_org ON location (org_id, name_key, location_id);
CREATE UNIQUE INDEX location_unique_name ON location (org_id, name_key) WHERE archived_at IS NULL;

CREATE TABLE app_user (
    user_id              UUID PRIMARY KEY,
    email                TEXT COLLATE "C" NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    home_org_id          UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    password_hash        TEXT NOT NULL,
    password_changed_at  BIGINT NOT NULL,
    totp_secret          TEXT,
    totp_pending         TEXT,
    totp_last_step       BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    archived_at          BIGINT
);
CREATE INDEX app_user_by_org ON app_user (home_org_id);

CREATE TABLE membership (
    membership_id  UUID PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES app_user (user_id) DEFERRABLE INITIALLY IMMEDIATE,
    org_id         UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    role           TEXT NOT NULL CHECK (role IN ('provider_admin', 'provider_staff', 'client_admin', 'client_member', 'auditor')),
    expires_at     BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    archived_at    BIGINT
);
CREATE INDEX membership_by_org ON membership (org_id);
CREATE INDEX membership_by_user ON membership (user_id);
CREATE UNIQUE INDEX membership_one_active ON membership (user_id, org_id) WHERE archived_at IS NULL;

CREATE TABLE session (
    session_id    UUID PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       UUID NOT NULL REFERENCES app_user (user_id) DEFERRABLE INITIALLY IMMEDIATE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    mfa_pending   BOOLEAN NOT NULL,
    ip            TEXT,
    csrf_token    TEXT NOT NULL
);
CREATE INDEX session_by_user ON session (user_id);

CREATE TABLE api_token (
    token_id      UUID PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       UUID NOT NULL REFERENCES app_user (user_id) DEFERRABLE INITIALLY IMMEDIATE,
    org_id        UUID REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_token_by_user ON api_token (user_id);
CREATE INDEX api_token_by_org ON api_token (org_id);

CREATE TABLE login_throttle (
    throttle_key  TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    window_start  BIGINT NOT NULL,
    locked_until  BIGINT
);

-- The audit trail: a hash chain. No foreign keys, so the record outlives anything it names.
CREATE TABLE audit_event (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_user_id  UUID,
    actor          TEXT NOT NULL,
    org_id         UUID,
    action         TEXT NOT NULL,
    entity_type    TEXT NOT NULL,
    entity_id      TEXT,
    summary        TEXT NOT NULL,
    ip             TEXT,
    request_id     TEXT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX audit_event_by_org ON audit_event (org_id, seq);
CREATE INDEX audit_event_by_actor ON audit_event (actor_user_id, seq);

-- The chain's head, kept apart so that events cut off the end are detected.
CREATE TABLE audit_head (
    head_id  INTEGER PRIMARY KEY CHECK (head_id = 1),
    seq      BIGINT NOT NULL,
    hash     TEXT NOT NULL
);
INSERT INTO audit_head (head_id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never updates or deletes events.
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();

-- The security risk analysis: asset inventory, the organization's own threats, the risk
-- register and its history, assessments (questionnaire) and their responses, the risk
-- management plan's tasks, and security controls (a provider's can be inherited by clients).

CREATE TABLE asset (
    asset_id               UUID PRIMARY KEY,
    org_id                 UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    location_id            UUID REFERENCES location (location_id) DEFERRABLE INITIALLY IMMEDIATE,
    name                   TEXT NOT NULL,
    name_key               TEXT COLLATE "C" NOT NULL,
    kind                   TEXT NOT NULL,
    ephi_role              TEXT NOT NULL,
    criticality            TEXT NOT NULL,
    owner                  TEXT,
    vendor                 TEXT,
    encryption_at_rest     TEXT NOT NULL,
    encryption_in_transit  TEXT NOT NULL,
    mfa                    TEXT NOT NULL,
    notes                  TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    archived_at            BIGINT
);
CREATE INDEX asset_by_org ON asset (org_id, name_key, asset_id);
CREATE UNIQUE INDEX asset_unique_name ON asset (org_id, name_key) WHERE archived_at IS NULL;

CREATE TABLE custom_threat (
    threat_id        UUID PRIMARY KEY,
    org_id           UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    threat_key       TEXT NOT NULL,
    name             TEXT NOT NULL,
    category         TEXT NOT NULL,
    description      TEXT,
    asset_kinds      TEXT NOT NULL,
    vulnerabilities  TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (org_id, threat_key)
);
CREATE INDEX custom_threat_by_org ON custom_threat (org_id);

CREATE TABLE risk (
    risk_id               UUID PRIMARY KEY,
    org_id                UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    asset_id              UUID REFERENCES asset (asset_id) DEFERRABLE INITIALLY IMMEDIATE,
    asset_group           TEXT,
    threat_key            TEXT NOT NULL,
    threat_name           TEXT NOT NULL,
    vulnerability         TEXT NOT NULL,
    likelihood            BIGINT NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    impact                BIGINT NOT NULL CHECK (impact BETWEEN 1 AND 5),
    inherent_score        BIGINT NOT NULL,
    existing_controls     TEXT,
    residual_likelihood   BIGINT CHECK (residual_likelihood BETWEEN 1 AND 5),
    residual_impact       BIGINT CHECK (residual_impact BETWEEN 1 AND 5),
    residual_score        BIGINT,
    treatment             TEXT,
    owner                 TEXT,
    due_date              TEXT,
    status                TEXT NOT NULL,
    acceptance_rationale  TEXT,
    accepted_by           TEXT,
    accepted_at           BIGINT,
    source                TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX risk_by_org ON risk (org_id, inherent_score DESC, risk_id);
CREATE INDEX risk_by_asset ON risk (asset_id);

-- Every change of a risk's scores or status, for residual risk over time.
CREATE TABLE risk_history (
    risk_id         UUID NOT NULL REFERENCES risk (risk_id) DEFERRABLE INITIALLY IMMEDIATE,
    org_id          UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    at              BIGINT NOT NULL,
    inherent_score  BIGINT NOT NULL,
    residual_score  BIGINT,
    status          TEXT NOT NULL
);
CREATE INDEX risk_history_by_org ON risk_history (org_id, at);

CREATE TABLE assessment (
    assessment_id    UUID PRIMARY KEY,
    org_id           UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    period           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'final')),
    scope            TEXT,
    copied_from      UUID REFERENCES assessment (assessment_id) DEFERRABLE INITIALLY IMMEDIATE,
    started_at       BIGINT NOT NULL,
    started_by       TEXT NOT NULL,
    finalized_at     BIGINT,
    finalized_by     TEXT,
    snapshot_sha256  TEXT,
    snapshot         TEXT,
    UNIQUE (org_id, period)
);
CREATE INDEX assessment_by_org ON assessment (org_id, started_at);

CREATE TABLE assessment_response (
    assessment_id    UUID NOT NULL REFERENCES assessment (assessment_id) DEFERRABLE INITIALLY IMMEDIATE,
    org_id           UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    requirement_ref  TEXT NOT NULL,
    status           TEXT,
    decision         TEXT,
    alternative      TEXT,
    reason           TEXT,
    notes            TEXT,
    updated_at       BIGINT NOT NULL,
    updated_by       TEXT NOT NULL,
    PRIMARY KEY (assessment_id, requirement_ref)
);
CREATE INDEX assessment_response_by_org ON assessment_response (org_id);

-- A finalized assessment is an immutable snapshot: the database refuses to change it.
CREATE FUNCTION assessment_locked_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'assessment' THEN
        IF OLD.status = 'final' THEN
            RAISE EXCEPTION 'finalized assessments are read-only';
        END IF;
        RETURN NEW;
    END IF;
    IF (SELECT status FROM assessment WHERE assessment_id = NEW.assessment_id) = 'final' THEN
        RAISE EXCEPTION 'finalized assessments are read-only';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER assessment_response_locked BEFORE INSERT OR UPDATE ON assessment_response
FOR EACH ROW EXECUTE FUNCTION assessment_locked_check();
CREATE TRIGGER assessment_locked BEFORE UPDATE ON assessment
FOR EACH ROW EXECUTE FUNCTION assessment_locked_check();

CREATE TABLE task (
    task_id       UUID PRIMARY KEY,
    org_id        UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    title         TEXT NOT NULL,
    description   TEXT,
    due_date      TEXT,
    assignee      TEXT,
    status        TEXT NOT NULL,
    origin_kind   TEXT NOT NULL,
    origin_ref    TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    completed_at  BIGINT
);
CREATE INDEX task_by_org ON task (org_id, status, due_date);

CREATE TABLE control (
    control_id        UUID PRIMARY KEY,
    org_id            UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    title             TEXT NOT NULL,
    description       TEXT,
    owner             TEXT,
    frequency         TEXT,
    next_due          TEXT,
    status            TEXT NOT NULL,
    requirement_refs  TEXT NOT NULL,
    provided_to_all   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    archived_at       BIGINT
);
CREATE INDEX control_by_org ON control (org_id);

CREATE TABLE control_client (
    control_id      UUID NOT NULL REFERENCES control (control_id) DEFERRABLE INITIALLY IMMEDIATE,
    client_org_id   UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    PRIMARY KEY (control_id, client_org_id)
);
CREATE INDEX control_client_by_client ON control_client (client_org_id);

-- An asset change marked significant makes the current risk analysis out of date.
ALTER TABLE organization ADD COLUMN sra_invalidated_at BIGINT;

-- What a risk analysis must hold before it can be finalized (164.308(a)(1)(ii)(A)-(B),
-- 164.306(d)(3), 164.308(a)(2)): the organization's officials and risk acceptance threshold,
-- the fuller addressable decision, how a safeguard is implemented, how a transfer or avoidance
-- is done, threat categories considered per asset, a reviewed no-ePHI statement, the
-- organization's sign-off, and the version of the checks an analysis was finalized under
-- (NULL: finalized before these checks).

CREATE TABLE org_profile (
    org_id                   UUID PRIMARY KEY REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    security_official        TEXT,
    security_official_email  TEXT,
    privacy_official         TEXT,
    privacy_official_email   TEXT,
    risk_acceptance_max      BIGINT CHECK (risk_acceptance_max BETWEEN 1 AND 25),
    updated_at               BIGINT NOT NULL
);

ALTER TABLE assessment ADD COLUMN checks_version BIGINT;
ALTER TABLE assessment ADD COLUMN prepared_by TEXT;
ALTER TABLE assessment ADD COLUMN no_ephi_statement TEXT;
ALTER TABLE assessment ADD COLUMN no_ephi_written_by TEXT;
ALTER TABLE assessment ADD COLUMN no_ephi_confirmed_by TEXT;
ALTER TABLE assessment ADD COLUMN no_ephi_confirmed_at BIGINT;
ALTER TABLE assessment ADD COLUMN signed_off_by TEXT;
ALTER TABLE assessment ADD COLUMN signed_off_capacity TEXT;
ALTER TABLE assessment ADD COLUMN signed_off_at BIGINT;
ALTER TABLE assessment ADD COLUMN signed_off_digest TEXT;

ALTER TABLE assessment_response ADD COLUMN alternative_reason TEXT;
ALTER TABLE assessment_response ADD COLUMN implementation TEXT;

ALTER TABLE risk ADD COLUMN treatment_detail TEXT;

-- Tenant references are composite, so a row can only point at its own organization's asset.
CREATE UNIQUE INDEX asset_org_key ON asset (org_id, asset_id);

CREATE TABLE threat_consideration (
    org_id       UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    asset_id     UUID NOT NULL,
    category     TEXT NOT NULL CHECK (category IN ('adversarial', 'accidental', 'structural', 'environmental')),
    reason       TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, asset_id, category),
    FOREIGN KEY (org_id, asset_id) REFERENCES asset (org_id, asset_id) DEFERRABLE INITIALLY IMMEDIATE
);

-- Paper records hold PHI, not ePHI: the Security Rule does not reach them.
UPDATE asset SET ephi_role = 'phi_on_paper' WHERE kind = 'paper' AND ephi_role <> 'none';

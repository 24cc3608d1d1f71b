-- A stored evidence file found missing or altered (on download or by `evidence verify`): kept so
-- the organization's status shows it until the file is restored, rather than lost in a log.
CREATE UNIQUE INDEX evidence_org_key ON evidence (org_id, evidence_id);

CREATE TABLE evidence_problem (
    org_id       UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    evidence_id  UUID NOT NULL,
    version      BIGINT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('missing', 'altered', 'key_missing')),
    found_at     BIGINT NOT NULL,
    PRIMARY KEY (org_id, evidence_id, version),
    FOREIGN KEY (org_id, evidence_id) REFERENCES evidence (org_id, evidence_id) DEFERRABLE INITIALLY IMMEDIATE
);

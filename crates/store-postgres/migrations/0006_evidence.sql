-- Evidence locker: proof that controls are implemented. The bytes live in the blob store
-- (content-addressed, encrypted); these tables hold what the bytes are and what they prove.

CREATE TABLE evidence (
    evidence_id      UUID PRIMARY KEY,
    org_id           UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    title            TEXT NOT NULL,
    description      TEXT,
    kind             TEXT NOT NULL,
    valid_until      TEXT,
    current_version  BIGINT NOT NULL,
    source           TEXT NOT NULL,
    collected_at     BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    archived_at      BIGINT
);
CREATE INDEX evidence_by_org ON evidence (org_id, archived_at, valid_until);

-- Every version is immutable: a new file or record is a new version, never an edit.
CREATE TABLE evidence_version (
    evidence_id   UUID NOT NULL REFERENCES evidence (evidence_id) DEFERRABLE INITIALLY IMMEDIATE,
    version       BIGINT NOT NULL,
    org_id        UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    sha256        TEXT,
    size          BIGINT NOT NULL,
    media_type    TEXT NOT NULL,
    file_name     TEXT,
    url           TEXT,
    record        TEXT,
    source        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (evidence_id, version)
);
CREATE INDEX evidence_version_by_sha ON evidence_version (sha256);
CREATE FUNCTION evidence_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'evidence versions are immutable';
END;
$$;
CREATE TRIGGER evidence_version_immutable BEFORE UPDATE OR DELETE ON evidence_version
FOR EACH ROW EXECUTE FUNCTION evidence_version_immutable();

-- What a piece of evidence proves: a control of the org, or a catalog requirement.
CREATE TABLE evidence_link (
    evidence_id   UUID NOT NULL REFERENCES evidence (evidence_id) DEFERRABLE INITIALLY IMMEDIATE,
    org_id        UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    target_kind   TEXT NOT NULL,
    target_ref    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (evidence_id, target_kind, target_ref)
);
CREATE INDEX evidence_link_by_target ON evidence_link (org_id, target_kind, target_ref);

-- Background jobs take a lease so that several servers sharing one database run each job once.
CREATE TABLE job_lease (
    job           TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    last_run_at   BIGINT
);

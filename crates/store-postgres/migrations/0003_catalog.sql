-- Catalog: frameworks imported into this installation (OSCAL catalogs, the MSP's own baseline
-- lists), official regulation text imported from eCFR files, and each organization's baseline
-- for the gap view.

CREATE TABLE imported_framework (
    imported_framework_id  UUID PRIMARY KEY,
    framework_key          TEXT NOT NULL,
    version                TEXT NOT NULL,
    title                  TEXT NOT NULL,
    body                   TEXT NOT NULL,
    imported_at            BIGINT NOT NULL,
    imported_by            TEXT NOT NULL,
    UNIQUE (framework_key, version)
);

CREATE TABLE official_text (
    citation       TEXT COLLATE "C" PRIMARY KEY,
    framework_key  TEXT NOT NULL,
    heading        TEXT,
    body           TEXT NOT NULL,
    source         TEXT NOT NULL,
    imported_at    BIGINT NOT NULL
);

CREATE TABLE baseline (
    org_id         UUID PRIMARY KEY REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    framework_key  TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE baseline_item (
    org_id         UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    framework_key  TEXT NOT NULL,
    item_ref       TEXT COLLATE "C" NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('practiced', 'partial', 'not_practiced')),
    note           TEXT,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (org_id, framework_key, item_ref)
);
CREATE INDEX baseline_item_by_org ON baseline_item (org_id);

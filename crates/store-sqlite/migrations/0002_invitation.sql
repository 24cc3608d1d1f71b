-- Invitations: a new member sets their own password through a one-time link.
CREATE TABLE invitation (
    invitation_id  BLOB PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    user_id        BLOB NOT NULL REFERENCES app_user (user_id),
    org_id         BLOB NOT NULL REFERENCES organization (org_id),
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX invitation_by_org ON invitation (org_id);
CREATE INDEX invitation_by_user ON invitation (user_id);

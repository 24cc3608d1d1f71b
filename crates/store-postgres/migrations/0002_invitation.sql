-- Invitations: a new member sets their own password through a one-time link.
CREATE TABLE invitation (
    invitation_id  UUID PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    user_id        UUID NOT NULL REFERENCES app_user (user_id) DEFERRABLE INITIALLY IMMEDIATE,
    org_id         UUID NOT NULL REFERENCES organization (org_id) DEFERRABLE INITIALLY IMMEDIATE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX invitation_by_org ON invitation (org_id);
CREATE INDEX invitation_by_user ON invitation (user_id);

-- A member invited by a practice that does not own their account joins only once they accept
-- (signed in as themselves): until then the membership is pending and grants nothing, and the
-- practice sees the name it typed, never the account's own details. So adding a member answers
-- the same whether or not the address already has an account elsewhere.
ALTER TABLE membership ADD COLUMN pending_name TEXT;

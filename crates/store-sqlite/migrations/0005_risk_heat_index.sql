-- The heat maps on the risk register count risks per rating cell on every page view. This index
-- covers that count (the ratings and the status are read from the index, in group order), so a
-- register of thousands of risks is counted without reading the rows.
CREATE INDEX risk_heat ON risk (org_id, likelihood, impact, residual_likelihood, residual_impact, status);

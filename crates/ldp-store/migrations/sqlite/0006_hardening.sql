-- A stage is recorded at most once per relation: the backstop behind the trail-length check that
-- `record_step` makes, so a double-submitted back-fill can never add a second copy of a step.
CREATE UNIQUE INDEX partnership_event_stage ON partnership_event (partnership_id, stage);

-- The filters the audit page offers (time range, action, actor prefix), newest first.
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
-- The compliance view and the "trail incomplete" filter, in the list's order.
CREATE INDEX partnership_trail ON partnership (trail_incomplete, member_sort_key, partner_sort_key, id);
CREATE INDEX audit_log_actor ON audit_log (LOWER(actor), id);

-- A proposal stays in the workspace until its council decision is recorded, unless the municipality chooses
-- to publish it earlier: this is that choice. Relations past the proposal are public whatever it says.
ALTER TABLE partnership ADD COLUMN published INTEGER NOT NULL DEFAULT 0;

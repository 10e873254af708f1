-- The inbox's internal notes and the replies staff sent from it (kept with the message).
CREATE TABLE contact_note (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES contact_message (id),
    at           TEXT NOT NULL,
    author_id    INTEGER REFERENCES app_user (id),
    author_label TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('note', 'reply')),
    body         TEXT NOT NULL
);
CREATE INDEX contact_note_message ON contact_note (message_id, id);

CREATE TRIGGER contact_note_timestamps_insert BEFORE INSERT ON contact_note
WHEN NEW.at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

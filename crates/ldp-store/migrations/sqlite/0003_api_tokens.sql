-- Tokens that programs use to write through the API. Only a hash is stored; the token is shown once.
CREATE TABLE api_token (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

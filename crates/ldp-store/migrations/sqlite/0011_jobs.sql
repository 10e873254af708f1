-- The job queue (mail first): work that happens after a commit, off the request path, on whichever node
-- claims it. `job_key` is what the job is about (a folded address) and `client` who asked, for rate limits.
CREATE TABLE job (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    job_key      TEXT,
    client       TEXT,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    locked_until TEXT,
    finished_at  TEXT,
    last_error   TEXT,
    outcome      TEXT
);
-- The worker's claim: due pending jobs, and running ones whose lease ended.
CREATE INDEX job_due ON job (state, run_at, id);
-- Rate limits per key and per client within a window.
CREATE INDEX job_key_recent ON job (kind, job_key, created_at);
CREATE INDEX job_client_recent ON job (kind, client, created_at);

-- Secrets every node of a deployment shares (the key that signs the sign-in form's CSRF cookie), made
-- once by whichever node starts first.
CREATE TABLE app_secret (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

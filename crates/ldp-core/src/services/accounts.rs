//! Accounts: passwords (argon2id), sign-in with lockout, database sessions, password-reset and invitation
//! links sent by e-mail, and user administration.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use std::sync::{Arc, OnceLock};
use time::{Duration, OffsetDateTime};

use super::ServiceError;
use super::jobs::{JobHandler, JobQueue};
use super::tokens::hash;
use crate::clock::Clock;
use crate::domain::{
    Actor, Change, InputError, Lang, LinkPurpose, MunicipalityId, NewUser, Role, Session, User, UserId,
};
use crate::jobs::{Job, JobLimit, NewJob};
use crate::store::{
    AccountStore, AttemptClaim, AttemptLimits, Pruned, ReferenceStore, Store, StoreError, UnitOfWorkStore, UserUpdate,
};

/// An e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// An iCalendar invitation (`METHOD:REQUEST`) sent along as a `text/calendar` attachment, written for
    /// this one recipient (an event registration's confirmation).
    pub invitation: Option<String>,
}

/// Sends mail (SMTP in production, `.eml` files in development, a list in tests).
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: Mail) -> Result<(), String>;
}

/// How accounts behave; the defaults follow OWASP's password-storage and authentication advice.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// Where links in e-mails point, without a trailing slash (e.g. `https://ldp.example.org`).
    pub public_url: String,
    pub session_lifetime: Duration,
    pub reset_lifetime: Duration,
    pub invite_lifetime: Duration,
    /// Failed sign-ins for one address (since its last success) within `lockout` that lock it.
    pub max_failures: u32,
    /// Failed sign-ins from one client address within `lockout` that lock the client out.
    pub max_client_failures: u32,
    pub lockout: Duration,
    /// argon2id memory in KiB, iterations and lanes.
    pub argon2: (u32, u32, u32),
    /// Password-reset requests accepted for one address, and from one client, within `reset_window`.
    pub reset_per_address: u32,
    pub reset_per_client: u32,
    pub reset_window: Duration,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            public_url: "http://127.0.0.1:8080".into(),
            session_lifetime: Duration::hours(12),
            reset_lifetime: Duration::hours(1),
            invite_lifetime: Duration::days(7),
            max_failures: 5,
            max_client_failures: 30,
            lockout: Duration::minutes(15),
            argon2: (19 * 1024, 2, 1),
            reset_per_address: 3,
            reset_per_client: 20,
            reset_window: Duration::hours(1),
        }
    }
}

impl AccountSettings {
    /// Cheap hashing for tests: the stored hash names its own parameters, so verification still works.
    pub fn for_tests() -> Self {
        AccountSettings { argon2: (8, 1, 1), ..AccountSettings::default() }
    }
}

/// The raw fields of a new account (the invitation form, the API, the command line).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct UserInput {
    pub email: Option<String>,
    pub name: Option<String>,
    /// `admin`, `staff`, `representative` or `auditor`.
    pub role: Option<String>,
    /// Comma-separated municipalities (representatives only): slugs (`bursa-nilufer`), or names matched
    /// with Turkish case folding when exactly one member has the name (`Nilüfer`).
    pub municipalities: Option<String>,
}

/// A freshly started session: the cookie value (shown once) and what the store keeps.
#[derive(Debug, Clone)]
pub struct StartedSession {
    pub cookie: String,
    pub session: Session,
    pub user: User,
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
const MAX_PASSWORD: usize = 256;

#[derive(Clone)]
pub struct Accounts {
    store: Arc<dyn AccountStore>,
    /// Municipalities, to resolve the ones a user is given.
    reference: Arc<dyn ReferenceStore>,
    /// Where an account and its invitation mail, or a user's sessions and tokens, change together.
    units: Arc<dyn UnitOfWorkStore>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    jobs: JobQueue,
    settings: Arc<AccountSettings>,
    dummy_hash: Arc<OnceLock<String>>,
    /// At most one password hash per core at a time: each takes `argon2.0` KiB of memory, so a burst of
    /// sign-ins queues instead of multiplying the node's memory.
    hashing: Arc<tokio::sync::Semaphore>,
    /// The argon2 working memory, allocated once per permit and reused: allocating 19 MiB per sign-in lets
    /// the C allocator keep hundreds of MiB after a burst (measured: 480 MiB after 900 sign-ins).
    memory: Arc<std::sync::Mutex<Vec<Vec<Block>>>>,
}

/// Hashes `password` with argon2id into a PHC string, in `memory`.
fn hash_with(params: Params, password: &[u8], salt: &SaltString, memory: &mut Vec<Block>) -> Result<String, String> {
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes).map_err(|e| e.to_string())?;
    memory.resize(params.block_count(), Block::default());
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..]).map_err(Into::into)
    })
    .map_err(|e| e.to_string())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored` (any argon2 variant and parameters), in `memory`.
/// A stored hash that cannot be read is an error of its own, not a wrong password.
fn verify_with(stored: &str, password: &[u8], memory: &mut Vec<Block>) -> Result<bool, String> {
    let unreadable = |what: &str| format!("stored password hash unreadable: {what}");
    let parsed = PasswordHash::new(stored).map_err(|e| unreadable(&e.to_string()))?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| unreadable(&e.to_string()))?;
    let version = match parsed.version {
        None => Version::V0x13,
        Some(v) => Version::try_from(v).map_err(|e| unreadable(&e.to_string()))?,
    };
    let params = Params::try_from(&parsed).map_err(|e| unreadable(&e.to_string()))?;
    let expected = parsed.hash.ok_or_else(|| unreadable("no hash"))?;
    let mut salt_bytes = [0u8; 64];
    let salt = parsed
        .salt
        .ok_or_else(|| unreadable("no salt"))?
        .decode_b64(&mut salt_bytes)
        .map_err(|e| unreadable(&e.to_string()))?;
    memory.resize(params.block_count(), Block::default());
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = Output::init_with(expected.len(), |out| {
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..]).map_err(Into::into)
    })
    .map_err(|e| format!("argon2 failed: {e}"))?;
    // `Output`'s equality is constant-time.
    Ok(computed == expected)
}

/// A random secret of 32 bytes, hex-encoded.
pub fn secret() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// Folds an e-mail address for lookups: trimmed and lower-cased (ASCII and Turkish letters alike).
pub fn fold_email(email: &str) -> String {
    email.trim().chars().flat_map(char::to_lowercase).collect::<String>().replace('\u{307}', "")
}

/// Whether `email` is an address the mailer will accept (lettre's own parser), with a dotted domain and
/// nothing that could smuggle a second recipient or a header.
pub fn valid_email(email: &str) -> bool {
    if email.parse::<lettre::Address>().is_err() {
        return false;
    }
    let Some((local, domain)) = email.rsplit_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';'))
}

/// Checks a new password and its confirmation.
pub fn check_password(password: &str, confirm: &str, email: &str) -> Result<(), InputError> {
    let mut errors = InputError::default();
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        errors.add("password", "password_too_short");
    } else if n > MAX_PASSWORD {
        errors.add("password", "too_long");
    } else if fold_email(password) == fold_email(email) {
        errors.add("password", "password_is_email");
    }
    if password != confirm {
        errors.add("password_confirm", "passwords_differ");
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// The job that mails a password-reset link.
pub const RESET_JOB: &str = "password_reset";
/// The job that mails an invitation link.
pub const INVITATION_JOB: &str = "invitation";

#[async_trait]
impl JobHandler for Accounts {
    fn handles(&self, kind: &str) -> bool {
        kind == RESET_JOB || kind == INVITATION_JOB
    }

    async fn run(&self, job: &Job) -> Result<String, String> {
        let purpose = if job.kind == INVITATION_JOB { LinkPurpose::Invite } else { LinkPurpose::Reset };
        self.mail_link(job, purpose).await
    }
}

/// How long sign-in attempts are kept.
pub const ATTEMPT_RETENTION: Duration = Duration::days(30);

impl Accounts {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mailer: Arc<dyn Mailer>,
        jobs: JobQueue,
        settings: AccountSettings,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Accounts {
            store: store.clone(),
            reference: store.clone(),
            units: store,
            clock,
            mailer,
            jobs,
            settings: Arc::new(settings),
            dummy_hash: Arc::new(OnceLock::new()),
            hashing: Arc::new(tokio::sync::Semaphore::new(cores)),
            memory: Arc::new(std::sync::Mutex::new(Vec::new())),
        }
    }

    pub fn settings(&self) -> &AccountSettings {
        &self.settings
    }

    fn params(&self) -> Params {
        let (m, t, p) = self.settings.argon2;
        Params::new(m, t, p, None).unwrap_or_default()
    }

    /// Runs `work` on a blocking thread with a pooled argon2 buffer, at most one per core at a time.
    async fn with_memory<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let _permit = self.hashing.acquire().await.map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut buffer = self.memory.lock().ok().and_then(|mut pool| pool.pop()).unwrap_or_default();
        let (result, buffer) = tokio::task::spawn_blocking(move || {
            let result = work(&mut buffer);
            (result, buffer)
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
        if let Ok(mut pool) = self.memory.lock() {
            pool.push(buffer);
        }
        Ok(result)
    }

    /// Hashes a password with argon2id and a random salt, off the async threads.
    pub async fn hash_password(&self, password: &str) -> Result<String, ServiceError> {
        let params = self.params();
        let password = password.to_owned();
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.with_memory(move |memory| hash_with(params, password.as_bytes(), &salt, memory))
            .await?
            .map_err(ServiceError::Internal)
    }

    /// Whether the password matches; an unreadable stored hash or a failed hashing thread is an
    /// [`ServiceError::Internal`], so it never counts as a wrong password.
    async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, ServiceError> {
        // Unknown users cost as much as known ones, so timing does not tell which addresses exist.
        let stored = match stored {
            Some(s) => s.to_owned(),
            None => match self.dummy_hash.get() {
                Some(h) => h.clone(),
                None => {
                    let h = self.hash_password("not a password of anybody").await?;
                    self.dummy_hash.get_or_init(|| h).clone()
                }
            },
        };
        let password = password.to_owned();
        self.with_memory(move |memory| verify_with(&stored, password.as_bytes(), memory))
            .await?
            .map_err(ServiceError::Internal)
    }

    /// The one member municipality called `name`, compared with Turkish case folding ("nilüfer", "NILUFER"
    /// and "Nilüfer" are Nilüfer); `None` when no member or more than one has that name.
    async fn municipality_named(&self, name: &str) -> Result<Option<crate::domain::Municipality>, ServiceError> {
        let folded = crate::text::fold(name);
        if folded.is_empty() {
            return Ok(None);
        }
        let filter = crate::domain::MunicipalityFilter { name: Some(folded.clone()), ..Default::default() };
        let found = self.reference.list_municipalities(&filter, crate::domain::Page::first(100)).await?.items;
        let mut exact = found.into_iter().filter(|m| crate::text::fold(&m.name) == folded);
        match (exact.next(), exact.next()) {
            (Some(m), None) => Ok(Some(m)),
            _ => Ok(None),
        }
    }

    async fn municipalities_from(
        &self,
        raw: Option<&str>,
        role: Option<Role>,
        errors: &mut InputError,
    ) -> Result<Vec<MunicipalityId>, ServiceError> {
        let mut ids = Vec::new();
        for slug in raw.unwrap_or("").split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
            let found = match self.reference.municipality_by_slug(slug).await? {
                Some(m) => Some(m),
                None => self.municipality_named(slug).await?,
            };
            match found {
                Some(m) if !ids.contains(&m.id) => ids.push(m.id),
                Some(_) => {}
                None => errors.add("municipalities", "unknown_municipality"),
            }
        }
        match role {
            Some(Role::Representative) if ids.is_empty() && !errors.fields.contains_key("municipalities") => {
                errors.add("municipalities", "municipality_required")
            }
            Some(Role::Admin | Role::Staff | Role::Auditor) if !ids.is_empty() => {
                errors.add("municipalities", "only_for_representatives")
            }
            _ => {}
        }
        Ok(ids)
    }

    async fn parse_user(&self, input: &UserInput) -> Result<(String, String, Role, Vec<MunicipalityId>), ServiceError> {
        let mut errors = InputError::default();
        let email = input.email.as_deref().unwrap_or("").trim().to_owned();
        if email.is_empty() {
            errors.add("email", "required");
        } else if !valid_email(&email) {
            errors.add("email", "invalid_email");
        }
        let name = input.name.as_deref().unwrap_or("").trim().to_owned();
        if name.chars().count() > 120 {
            errors.add("name", "too_long");
        }
        let role = match input.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => {
                errors.add("role", "required");
                None
            }
            Some(r) => r.parse::<Role>().map_err(|e| errors.fields.extend(e.fields)).ok(),
        };
        let municipalities = self.municipalities_from(input.municipalities.as_deref(), role, &mut errors).await?;
        match role {
            Some(role) if errors.is_empty() => Ok((email, name, role, municipalities)),
            _ => Err(errors.into()),
        }
    }

    /// Creates a user with a password (the command line's first admin, or an admin adding someone directly).
    pub async fn add_user(&self, actor: &Actor, input: &UserInput, password: &str) -> Result<User, ServiceError> {
        let now = self.clock.now();
        if !actor.manages_users() {
            return Err(ServiceError::Forbidden);
        }
        let (email, name, role, municipalities) = self.parse_user(input).await?;
        check_password(password, password, &email)?;
        let password_hash = self.hash_password(password).await?;
        self.create(actor, email, name, role, municipalities, Some(password_hash), None, now).await
    }

    #[expect(clippy::too_many_arguments, reason = "each argument is one field of the account")]
    async fn create(
        &self,
        actor: &Actor,
        email: String,
        name: String,
        role: Role,
        municipalities: Vec<MunicipalityId>,
        password_hash: Option<String>,
        then: Option<&NewJob>,
        now: OffsetDateTime,
    ) -> Result<User, ServiceError> {
        let new = NewUser { email_folded: fold_email(&email), email, name, role, municipalities, password_hash };
        let change = Change::new(actor, now, "create", "user").after(serde_json::json!({
            "email": new.email,
            "name": new.name,
            "role": new.role.as_str(),
            "municipalities": new.municipalities.iter().map(|m| m.0).collect::<Vec<_>>(),
        }));
        // The account, its audit entry and its invitation mail land together or not at all.
        let mut unit = self.units.begin().await?;
        let id = match unit.accounts().create_user(&new, now).await {
            Ok(id) => id,
            Err(StoreError::Conflict(_)) => return Err(InputError::new("email", "email_taken").into()),
            Err(e) => return Err(e.into()),
        };
        if let Some(job) = then {
            unit.jobs().enqueue(job).await?;
        }
        unit.commit(&change.record(id.0)).await?;
        if then.is_some() {
            self.jobs.wake();
        }
        Ok(self.store.user(id).await?.ok_or(ServiceError::NotFound)?.user)
    }

    /// Invites a new user: the account waits for its password, and an e-mail carries a link to choose one.
    /// Admins and staff invite, each only to a role whose rights they hold themselves (`Actor::grants`).
    /// The account and the queued invitation mail are written together, so neither exists without the
    /// other; the mail goes out from the job queue after the commit.
    pub async fn invite(&self, actor: &Actor, input: &UserInput, lang: Lang) -> Result<User, ServiceError> {
        let now = self.clock.now();
        if !actor.invites_users() {
            return Err(ServiceError::Forbidden);
        }
        let (email, name, role, municipalities) = self.parse_user(input).await?;
        if !actor.grants(role) {
            return Err(InputError::new("role", "role_not_allowed").into());
        }
        let job = NewJob {
            kind: INVITATION_JOB,
            key: Some(fold_email(&email)),
            client: actor.client.clone(),
            payload: serde_json::json!({ "email": fold_email(&email), "lang": lang.code() }),
            created_at: now,
            run_at: now,
        };
        self.create(actor, email, name, role, municipalities, None, Some(&job), now).await
    }

    /// Creates a one-time link for `user` and the mail that carries it.
    async fn issue_link(
        &self,
        user: &User,
        purpose: LinkPurpose,
        lang: Lang,
        now: OffsetDateTime,
    ) -> Result<(String, Mail), ServiceError> {
        let token = secret()?;
        let lifetime =
            if purpose == LinkPurpose::Invite { self.settings.invite_lifetime } else { self.settings.reset_lifetime };
        self.store.create_link(&hash(&token), user.id, purpose, now, now + lifetime).await?;
        let path = if purpose == LinkPurpose::Invite { "invitation" } else { "password-reset" };
        let link = format!("{}/{}/{path}/{token}", self.settings.public_url.trim_end_matches('/'), lang.code());
        let hours = lifetime.whole_hours();
        let (subject, body) = match purpose {
            LinkPurpose::Invite => (
                "Yerel Diplomasi Platformu daveti / Invitation to the Local Diplomacy Platform".to_owned(),
                format!(
                    "Merhaba,\n\nYerel Diplomasi Platformu'nda sizin için bir hesap açıldı ({email}). Parolanızı \
                     belirlemek için bu bağlantıyı {hours} saat içinde açın:\n\n{link}\n\n\
                     Hello,\n\nAn account was opened for you on the Local Diplomacy Platform ({email}). To choose \
                     your password, open this link within {hours} hours:\n\n{link}\n",
                    email = user.email
                ),
            ),
            LinkPurpose::Reset => (
                "Parola sıfırlama / Password reset".to_owned(),
                format!(
                    "Merhaba,\n\nParolanızı sıfırlamak için bu bağlantıyı {hours} saat içinde açın. Bağlantı bir kez \
                     kullanılabilir. Bu isteği siz yapmadıysanız bu iletiyi yok sayın.\n\n{link}\n\n\
                     Hello,\n\nTo reset your password, open this link within {hours} hour(s). It works once. If you \
                     did not ask for this, ignore this message.\n\n{link}\n"
                ),
            ),
        };
        Ok((link, Mail { to: user.email.clone(), subject, body, invitation: None }))
    }

    /// Queues a reset link for `email`, to be mailed if it belongs to an active account. The request does
    /// the same work whatever the address (it only queues), so neither the answer nor its timing tells who
    /// has an account; the worker looks the address up. At most `reset_per_address` requests per address
    /// and `reset_per_client` per client are accepted within `reset_window`.
    pub async fn request_reset(&self, email: &str, lang: Lang, client: Option<&str>) -> Result<(), ServiceError> {
        let now = self.clock.now();
        if !valid_email(email.trim()) {
            return Err(InputError::new("email", "invalid_email").into());
        }
        let folded = fold_email(email);
        let job = NewJob {
            kind: RESET_JOB,
            key: Some(folded.clone()),
            client: client.map(str::to_owned),
            payload: serde_json::json!({ "email": folded, "lang": lang.code() }),
            created_at: now,
            run_at: now,
        };
        let limit = JobLimit {
            since: now - self.settings.reset_window,
            per_key: self.settings.reset_per_address,
            per_client: self.settings.reset_per_client,
        };
        match self.jobs.enqueue(&job, Some(&limit)).await? {
            Some(_) => Ok(()),
            None => Err(ServiceError::RateLimited),
        }
    }

    /// Creates a reset link for a user without sending it (the command line prints it).
    pub async fn reset_link(&self, email: &str, lang: Lang) -> Result<String, ServiceError> {
        let now = self.clock.now();
        let found = self.store.user_by_email(&fold_email(email)).await?.ok_or(ServiceError::NotFound)?;
        Ok(self.issue_link(&found.user, LinkPurpose::Reset, lang, now).await?.0)
    }

    /// Creates an invitation link for a user who has not chosen a password yet, without sending it (the
    /// command line prints it beside the mailed one).
    pub async fn invitation_link(&self, email: &str, lang: Lang) -> Result<String, ServiceError> {
        let now = self.clock.now();
        let found = self.store.user_by_email(&fold_email(email)).await?.ok_or(ServiceError::NotFound)?;
        if found.user.has_password || found.user.disabled {
            return Err(ServiceError::NotFound);
        }
        Ok(self.issue_link(&found.user, LinkPurpose::Invite, lang, now).await?.0)
    }

    /// One attempt of a queued link mail: a fresh link each attempt (a failed attempt's link was never
    /// delivered; it expires unused), so no secret is ever stored in the queue.
    async fn mail_link(&self, job: &Job, purpose: LinkPurpose) -> Result<String, String> {
        let email = job.payload.get("email").and_then(|v| v.as_str()).unwrap_or_default();
        let lang = job.payload.get("lang").and_then(|v| v.as_str()).and_then(Lang::parse).unwrap_or(Lang::Tr);
        let found = self.store.user_by_email(email).await.map_err(|e| e.to_string())?;
        let user = match found {
            Some(f) if !f.user.disabled => f.user,
            _ => return Ok("no_active_account".into()),
        };
        if purpose == LinkPurpose::Invite && user.has_password {
            return Ok("already_accepted".into());
        }
        let (_, mail) = self.issue_link(&user, purpose, lang, self.clock.now()).await.map_err(|e| e.to_string())?;
        self.mailer.send(mail).await?;
        Ok("sent".into())
    }

    /// The user a live link belongs to (for showing the form); `None` if it is unknown, used or expired.
    pub async fn link_user(&self, token: &str, purpose: LinkPurpose) -> Result<Option<User>, ServiceError> {
        let now = self.clock.now();
        match self.store.link_user(&hash(token.trim()), purpose, now).await? {
            Some(id) => Ok(self.store.user(id).await?.map(|u| u.user)),
            None => Ok(None),
        }
    }

    /// Uses a link: sets the new password (and, for invitations, the name). Works once, before it expires.
    pub async fn redeem(
        &self,
        token: &str,
        purpose: LinkPurpose,
        password: &str,
        confirm: &str,
        name: Option<&str>,
        client: Option<String>,
    ) -> Result<User, ServiceError> {
        let now = self.clock.now();
        let user = self.link_user(token, purpose).await?.ok_or(ServiceError::NotFound)?;
        check_password(password, confirm, &user.email)?;
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > 120) {
            return Err(InputError::new("name", "too_long").into());
        }
        let password_hash = self.hash_password(password).await?;
        let actor = Actor::user(&user, client);
        let action = if purpose == LinkPurpose::Invite { "accept_invitation" } else { "reset_password" };
        let change = Change::new(&actor, now, action, "user")
            .before(serde_json::json!({ "name": user.name, "has_password": user.has_password }))
            .after(serde_json::json!({ "name": name.unwrap_or(&user.name), "has_password": true }));
        let redeemed = self.store.redeem_link(&hash(token.trim()), purpose, &password_hash, name, &change).await?;
        let id = redeemed.ok_or(ServiceError::NotFound)?;
        Ok(self.store.user(id).await?.ok_or(ServiceError::NotFound)?.user)
    }

    /// Signs in: checks the lockout, then the password; starts a new session (ending `replaces`, the session
    /// the browser held, so the id always changes at sign-in).
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<&str>,
        replaces: Option<&str>,
    ) -> Result<StartedSession, ServiceError> {
        let now = self.clock.now();
        let folded = fold_email(email);
        if folded.is_empty() || password.is_empty() {
            let mut errors = InputError::default();
            if folded.is_empty() {
                errors.add("email", "required");
            }
            if password.is_empty() {
                errors.add("password", "required");
            }
            return Err(errors.into());
        }
        let limits = AttemptLimits {
            since: now - self.settings.lockout,
            per_address: self.settings.max_failures,
            per_client: self.settings.max_client_failures,
        };
        // The attempt is counted (as a failure) before the slow hash check, so parallel guesses cannot all
        // pass the count before any of them is recorded.
        let attempt = match self.store.claim_sign_in_attempt(&folded, client, now, &limits).await? {
            AttemptClaim::Granted(id) => id,
            AttemptClaim::Locked { last } => {
                let until = last.unwrap_or(now) + self.settings.lockout;
                return Err(ServiceError::Locked(until.max(now)));
            }
        };
        let found = self.store.user_by_email(&folded).await?;
        let ok = match self.verify(password, found.as_ref().and_then(|u| u.password_hash.as_deref())).await {
            Ok(ok) => ok,
            Err(e) => {
                // Our failure, not a guess: the attempt must not count toward anybody's lockout.
                self.store.forget_sign_in_attempt(attempt).await?;
                return Err(e);
            }
        };
        let user = match found {
            Some(u) if ok && !u.user.disabled => u.user,
            _ => return Err(InputError::new("email", "sign_in_failed").into()),
        };
        self.store.confirm_sign_in_attempt(attempt).await?;
        let cookie = secret()?;
        let session = Session {
            user_id: user.id,
            csrf_token: secret()?,
            created_at: now,
            expires_at: now + self.settings.session_lifetime,
        };
        let replaces = replaces.map(hash);
        self.store.create_session(&hash(&cookie), &session, client, replaces.as_deref()).await?;
        Ok(StartedSession { cookie, session, user })
    }

    /// Removes expired sessions and links, used links, and sign-in attempts older than
    /// [`ATTEMPT_RETENTION`] (long past any lockout window, kept that long to investigate an attack). Every
    /// node may run it; a second run finds nothing.
    pub async fn prune(&self) -> Result<Pruned, ServiceError> {
        let now = self.clock.now();
        Ok(self.store.prune_expired(now, now - ATTEMPT_RETENTION).await?)
    }

    /// The live session a cookie names, with its user; `None` when expired, unknown or the user is disabled.
    pub async fn session(&self, cookie: &str) -> Result<Option<(User, Session)>, ServiceError> {
        let now = self.clock.now();
        if cookie.len() != 64 || !cookie.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let Some(session) = self.store.session(&hash(cookie), now).await? else { return Ok(None) };
        match self.store.user(session.user_id).await? {
            Some(u) if !u.user.disabled => Ok(Some((u.user, session))),
            _ => Ok(None),
        }
    }

    pub async fn sign_out(&self, cookie: &str) -> Result<(), ServiceError> {
        Ok(self.store.delete_session(&hash(cookie)).await?)
    }

    /// "Sign out everywhere": ends every session of the signed-in user, this one included, and revokes
    /// every API token they own, in one audited step. (A password change ends the other sessions but keeps
    /// tokens, which are credentials of their own; this is the switch for a lost laptop or a leaked token.)
    pub async fn sign_out_everywhere(&self, actor: &Actor) -> Result<(u64, u64), ServiceError> {
        let Some(user) = actor.user else { return Err(ServiceError::Forbidden) };
        if actor.read_only {
            return Err(ServiceError::Forbidden);
        }
        let change = Change::new(actor, self.clock.now(), "sign_out_everywhere", "user").record(user.0);
        let mut unit = self.units.begin().await?;
        let sessions = unit.accounts().end_sessions(user).await?;
        let tokens = unit.accounts().revoke_api_tokens(user, change.at).await?;
        unit.commit(&change).await?;
        tracing::info!(user = user.0, sessions, tokens, "signed out everywhere");
        Ok((sessions, tokens))
    }

    /// Changes the signed-in user's password after checking the current one; other sessions end.
    pub async fn change_password(
        &self,
        actor: &Actor,
        cookie: Option<&str>,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let Some(id) = actor.user else { return Err(ServiceError::Forbidden) };
        let stored = self.store.user(id).await?.ok_or(ServiceError::NotFound)?;
        let mut errors = InputError::default();
        if !self.verify(current, stored.password_hash.as_deref()).await? {
            errors.add("current_password", "wrong_password");
        }
        if let Err(e) = check_password(new, confirm, &stored.user.email) {
            errors.fields.extend(e.fields);
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let password_hash = self.hash_password(new).await?;
        let change = Change::new(actor, now, "change_password", "user").record(id);
        let keep = cookie.map(hash);
        Ok(self.store.set_password(id, &password_hash, keep.as_deref(), &change).await?)
    }

    /// Sets a user's password directly (the command line's `ldp user reset-password`).
    pub async fn set_password(&self, actor: &Actor, email: &str, password: &str) -> Result<User, ServiceError> {
        let now = self.clock.now();
        if !actor.manages_users() {
            return Err(ServiceError::Forbidden);
        }
        let found = self.store.user_by_email(&fold_email(email)).await?.ok_or(ServiceError::NotFound)?;
        check_password(password, password, &found.user.email)?;
        let password_hash = self.hash_password(password).await?;
        let change = Change::new(actor, now, "reset_password", "user").record(found.user.id);
        self.store.set_password(found.user.id, &password_hash, None, &change).await?;
        Ok(found.user)
    }

    /// Every user (admins, and staff who invite; auditors read them).
    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>, ServiceError> {
        if !actor.reads_everything() {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.store.list_users().await?)
    }

    pub async fn user(&self, actor: &Actor, id: UserId) -> Result<User, ServiceError> {
        if !actor.reads_everything() && actor.user != Some(id) {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.store.user(id).await?.ok_or(ServiceError::NotFound)?.user)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, ServiceError> {
        Ok(self.store.user_by_email(&fold_email(email)).await?.map(|u| u.user))
    }

    /// Changes a user's role, municipalities, name or whether they are disabled (admins only; nobody can
    /// demote or disable themselves, so there is always an admin).
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        input: &UserInput,
        disabled: bool,
    ) -> Result<User, ServiceError> {
        let now = self.clock.now();
        if !actor.manages_users() {
            return Err(ServiceError::Forbidden);
        }
        let before = self.store.user(id).await?.ok_or(ServiceError::NotFound)?.user;
        let mut errors = InputError::default();
        let role = match input.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => before.role,
            Some(r) => r.parse::<Role>().unwrap_or_else(|e| {
                errors.fields.extend(e.fields);
                before.role
            }),
        };
        let municipalities = match (&input.municipalities, role) {
            // Not sent: a representative keeps their municipalities; other roles have none.
            (None, Role::Representative) => before.municipalities.clone(),
            (None, _) => Vec::new(),
            (Some(raw), _) => self.municipalities_from(Some(raw), Some(role), &mut errors).await?,
        };
        let name = input.name.as_deref().map(str::trim).unwrap_or(&before.name).to_owned();
        if name.chars().count() > 120 {
            errors.add("name", "too_long");
        }
        if actor.user == Some(id) && (role != Role::Admin || disabled) {
            errors.add("role", "cannot_demote_self");
        } else if role != before.role && !actor.grants(role) {
            errors.add("role", "role_not_allowed");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let update = UserUpdate { name, role, municipalities, disabled };
        let snapshot = |name: &str, role: Role, ms: &[MunicipalityId], disabled: bool| {
            serde_json::json!({
                "name": name, "role": role.as_str(), "disabled": disabled,
                "municipalities": ms.iter().map(|m| m.0).collect::<Vec<_>>(),
            })
        };
        let change = Change::new(actor, now, "update", "user")
            .record(id)
            .before(snapshot(&before.name, before.role, &before.municipalities, before.disabled))
            .after(snapshot(&update.name, update.role, &update.municipalities, update.disabled));
        self.store.update_user(id, &update, &change).await?;
        Ok(self.store.user(id).await?.ok_or(ServiceError::NotFound)?.user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_fold_for_lookup() {
        assert_eq!(fold_email("  Ayse.Yilmaz@Example.ORG "), "ayse.yilmaz@example.org");
        assert!(valid_email("temsilci@bursa.bel.tr"));
        assert!(!valid_email("temsilci@localhost") && !valid_email("a b@x.tr") && !valid_email("@x.tr"));
    }

    #[test]
    fn passwords_must_be_long_confirmed_and_not_the_address() {
        assert!(check_password("kısa", "kısa", "a@b.tr").unwrap_err().fields.contains_key("password"));
        let e = check_password("uzun-bir-parola-1", "başka-bir-parola", "a@b.tr").unwrap_err();
        assert_eq!(e.fields.get("password_confirm").map(String::as_str), Some("passwords_differ"));
        assert!(check_password("ayse@bursa.tr", "ayse@bursa.tr", "Ayse@Bursa.tr").is_err());
        assert!(check_password("Marmara-1975-birlik", "Marmara-1975-birlik", "a@b.tr").is_ok());
    }

    #[test]
    fn hashes_are_argon2id_verify_and_agree_with_the_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let params = Params::new(64, 1, 1, None).unwrap();
        let mut memory = Vec::new();
        let h = hash_with(params.clone(), b"Marmara-1975", &salt, &mut memory).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        // The pooled buffer gives the very hash the crate's own API gives, and each verifies the other's.
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password(b"Marmara-1975", &salt);
        assert_eq!(reference.unwrap().to_string(), h);
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(Argon2::default().verify_password(b"Marmara-1975", &parsed).is_ok());
        assert_eq!(verify_with(&h, b"Marmara-1975", &mut memory), Ok(true));
        assert_eq!(verify_with(&h, b"marmara-1975", &mut memory), Ok(false));
        assert!(verify_with("not a hash", b"Marmara-1975", &mut memory).is_err(), "unreadable is not wrong");
        // A buffer sized for bigger parameters serves smaller ones, and the reverse.
        let big = hash_with(Params::new(256, 1, 1, None).unwrap(), b"x-password-1", &salt, &mut memory).unwrap();
        assert_eq!(verify_with(&big, b"x-password-1", &mut Vec::new()), Ok(true));
    }
}

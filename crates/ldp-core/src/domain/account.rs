//! People who sign in, what their role lets them do, and who a change is attributed to.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{InputError, MunicipalityId};

mod store;
pub use store::{AccountStore, AccountWrites, AttemptClaim, AttemptLimits, NewApiToken, Pruned, UserUpdate};

/// What a signed-in user may do. Visitors (nobody signed in) have no role and read published content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users.
    Admin,
    /// The union's secretariat: edits all content, invites users.
    Staff,
    /// Speaks for one or more municipalities and edits only their records.
    Representative,
    /// Reads everything, including the audit trail; edits nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Staff, Role::Representative, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Representative => "representative",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| InputError::new("role", "unknown_role"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A user account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The municipalities a representative speaks for (empty for other roles).
    pub municipalities: Vec<MunicipalityId>,
    /// Invited users have no password until they accept.
    pub has_password: bool,
    pub disabled: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
}

/// A user as the store keeps it, hash included; never leaves the services.
#[derive(Debug, Clone)]
pub struct StoredUser {
    pub user: User,
    pub password_hash: Option<String>,
}

/// The fields of a new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: String,
    pub email_folded: String,
    pub name: String,
    pub role: Role,
    pub municipalities: Vec<MunicipalityId>,
    pub password_hash: Option<String>,
}

/// A signed-in session as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Reset,
    Invite,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Reset => "reset",
            LinkPurpose::Invite => "invite",
        }
    }
}

/// Who is acting, with what rights, from where. Every write in the services takes one, checks it, and
/// records it in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the platform itself (first-start import, command line).
    pub user: Option<UserId>,
    /// How the actor appears in trails: the user's e-mail, `token:ID:NAME`, or `system:…`.
    pub label: String,
    /// `None` for a visitor.
    pub role: Option<Role>,
    pub municipalities: Vec<MunicipalityId>,
    /// The client address the request came from.
    pub client: Option<String>,
    /// A read-only API token may not write whatever its owner's role.
    pub read_only: bool,
}

impl Actor {
    /// The platform itself, acting with every right (command line, first-start import).
    pub fn system(label: &str) -> Actor {
        Actor {
            user: None,
            label: format!("system:{label}"),
            role: Some(Role::Admin),
            municipalities: Vec::new(),
            client: None,
            read_only: false,
        }
    }

    /// Someone who has not signed in.
    pub fn visitor(client: Option<String>) -> Actor {
        Actor { user: None, label: "visitor".into(), role: None, municipalities: Vec::new(), client, read_only: true }
    }

    /// A signed-in user.
    pub fn user(user: &User, client: Option<String>) -> Actor {
        Actor {
            user: Some(user.id),
            label: user.email.clone(),
            role: Some(user.role),
            municipalities: user.municipalities.clone(),
            client,
            read_only: false,
        }
    }

    pub fn is_signed_in(&self) -> bool {
        self.role.is_some()
    }

    /// Admins, staff and auditors see every record of the workspace, including the audit trail's log.
    pub fn reads_everything(&self) -> bool {
        matches!(self.role, Some(Role::Admin | Role::Staff | Role::Auditor))
    }

    /// Whether the actor may read the whole audit log (admins and auditors).
    pub fn reads_audit_log(&self) -> bool {
        matches!(self.role, Some(Role::Admin | Role::Auditor))
    }

    /// Whether the actor may change content that belongs to no municipality in particular.
    pub fn edits_all_content(&self) -> bool {
        !self.read_only && matches!(self.role, Some(Role::Admin | Role::Staff))
    }

    /// Whether the actor may change the records of `municipality`.
    pub fn edits_municipality(&self, municipality: MunicipalityId) -> bool {
        if self.read_only {
            return false;
        }
        match self.role {
            Some(Role::Admin | Role::Staff) => true,
            Some(Role::Representative) => self.municipalities.contains(&municipality),
            _ => false,
        }
    }

    /// Whether the actor may see the records of `municipality` in the workspace.
    pub fn reads_municipality(&self, municipality: MunicipalityId) -> bool {
        self.reads_everything()
            || (self.role == Some(Role::Representative) && self.municipalities.contains(&municipality))
    }

    /// Whether the actor may invite new users (admins and staff).
    pub fn invites_users(&self) -> bool {
        !self.read_only && matches!(self.role, Some(Role::Admin | Role::Staff))
    }

    /// Whether the actor may change other users' roles or disable them (admins only).
    pub fn manages_users(&self) -> bool {
        !self.read_only && self.role == Some(Role::Admin)
    }

    /// Whether the actor may give `role` to someone (by invitation or by a role change): only those who
    /// invite, and never a role with a right the actor lacks. Otherwise staff, who may not read the audit
    /// log, could invite a second address of their own as an auditor and read it there.
    pub fn grants(&self, role: Role) -> bool {
        if !self.invites_users() {
            return false;
        }
        let granted = Actor { role: Some(role), read_only: false, ..self.clone() };
        let rights: [fn(&Actor) -> bool; 5] = [
            Actor::reads_everything,
            Actor::reads_audit_log,
            Actor::edits_all_content,
            Actor::invites_users,
            Actor::manages_users,
        ];
        rights.iter().all(|right| !right(&granted) || right(self))
    }
}

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The user the token acts for. Tokens made before accounts existed have none and are refused.
    pub owner: Option<UserId>,
    /// A read-only token may not write, whatever its owner's role.
    pub read_only: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiToken {
    /// How the token appears in the trail of what it did.
    pub fn actor(&self) -> String {
        format!("token:{}:{}", self.id, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, municipalities: &[i64]) -> Actor {
        Actor {
            user: Some(UserId(1)),
            label: "a@example.org".into(),
            role: Some(role),
            municipalities: municipalities.iter().map(|&m| MunicipalityId(m)).collect(),
            client: None,
            read_only: false,
        }
    }

    #[test]
    fn representatives_edit_only_their_municipalities() {
        let rep = actor(Role::Representative, &[7]);
        assert!(rep.edits_municipality(MunicipalityId(7)));
        assert!(!rep.edits_municipality(MunicipalityId(8)));
        assert!(!rep.edits_all_content());
        assert!(rep.reads_municipality(MunicipalityId(7)) && !rep.reads_municipality(MunicipalityId(8)));
    }

    #[test]
    fn auditors_read_everything_and_edit_nothing() {
        let auditor = actor(Role::Auditor, &[]);
        assert!(auditor.reads_everything() && auditor.reads_audit_log());
        assert!(!auditor.edits_municipality(MunicipalityId(7)) && !auditor.edits_all_content());
        assert!(!auditor.invites_users());
    }

    #[test]
    fn read_only_tokens_never_write() {
        let mut admin = actor(Role::Admin, &[]);
        admin.read_only = true;
        assert!(!admin.edits_municipality(MunicipalityId(1)) && !admin.edits_all_content() && !admin.manages_users());
        assert!(admin.reads_everything());
    }

    #[test]
    fn visitors_have_no_rights() {
        let v = Actor::visitor(None);
        assert!(!v.is_signed_in() && !v.reads_everything() && !v.edits_municipality(MunicipalityId(1)));
    }

    #[test]
    fn no_role_grants_more_than_it_holds() {
        use Role::*;
        // Every pair: (who grants, which role, allowed).
        let expected = [
            (Admin, Admin, true),
            (Admin, Staff, true),
            (Admin, Representative, true),
            (Admin, Auditor, true),
            (Staff, Admin, false),
            (Staff, Staff, true),
            (Staff, Representative, true),
            (Staff, Auditor, false),
            (Representative, Admin, false),
            (Representative, Staff, false),
            (Representative, Representative, false),
            (Representative, Auditor, false),
            (Auditor, Admin, false),
            (Auditor, Staff, false),
            (Auditor, Representative, false),
            (Auditor, Auditor, false),
        ];
        assert_eq!(expected.len(), Role::ALL.len() * Role::ALL.len());
        for (who, role, allowed) in expected {
            assert_eq!(actor(who, &[7]).grants(role), allowed, "{who:?} grants {role:?}");
            let mut read_only = actor(who, &[7]);
            read_only.read_only = true;
            assert!(!read_only.grants(role), "a read-only token grants nothing");
        }
        assert!(Role::ALL.iter().all(|r| !Actor::visitor(None).grants(*r)));
    }

    #[test]
    fn roles_parse_from_their_names() {
        assert_eq!("staff".parse::<Role>().unwrap(), Role::Staff);
        assert!("root".parse::<Role>().is_err());
    }
}

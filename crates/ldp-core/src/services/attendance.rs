//! Attendance: staff (the organisers) check the attendees of confirmed registrations in for each session of
//! an event, from the list (one checkbox per attendee) or by typing a registration code, and undo it. Only
//! `confirmed` registrations hold attendees. Every check-in and undo is audited on its registration.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::ServiceError;
use crate::clock::Clock;
use crate::domain::event::is_registration_code;
use crate::domain::{
    Actor, Change, CheckIn, Event, EventId, InputError, Registration, RegistrationId, RegistrationStatus,
};
use crate::store::{AttendanceStore, EventStore, Store, StoreError};

/// One attendee of a registration: (registration, position in its attendee list).
pub type AttendeeRef = (RegistrationId, u32);

/// What the check-in page of an event shows: its confirmed registrations and who is checked in where.
#[derive(Debug, Clone)]
pub struct CheckInSheet {
    pub event: Event,
    /// Confirmed registrations, oldest first.
    pub registrations: Vec<Registration>,
    pub check_ins: Vec<CheckIn>,
}

impl CheckInSheet {
    /// Whether the attendee is checked in for `session`.
    pub fn present(&self, session: u32, (registration, attendee): AttendeeRef) -> bool {
        self.check_ins.iter().any(|c| c.session == session && c.registration == registration && c.attendee == attendee)
    }

    /// How many are checked in for `session`.
    pub fn count(&self, session: u32) -> usize {
        self.check_ins.iter().filter(|c| c.session == session).count()
    }
}

pub struct Attendance {
    events: Arc<dyn EventStore>,
    store: Arc<dyn AttendanceStore>,
    clock: Arc<dyn Clock>,
}

impl Attendance {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Attendance { events: store.clone(), store, clock }
    }

    /// The event, if `actor` may check people in for it (staff and admins; `Forbidden` for anyone else).
    async fn event(&self, actor: &Actor, id: EventId) -> Result<Event, ServiceError> {
        if !actor.edits_all_content() {
            return Err(ServiceError::Forbidden);
        }
        self.events.event(id).await?.ok_or(ServiceError::NotFound)
    }

    /// The check-in sheet of an event.
    pub async fn sheet(&self, actor: &Actor, id: EventId) -> Result<CheckInSheet, ServiceError> {
        let event = self.event(actor, id).await?;
        let registrations = self
            .events
            .registrations(id)
            .await?
            .into_iter()
            .filter(|r| r.status == RegistrationStatus::Confirmed)
            .collect();
        let check_ins = self.store.check_ins(id).await?;
        Ok(CheckInSheet { event, registrations, check_ins })
    }

    fn session(event: &Event, session: u32) -> Result<(), ServiceError> {
        if (session as usize) < event.fields.sessions.len() {
            Ok(())
        } else {
            Err(ServiceError::Invalid(InputError::new("session", "unknown_session")))
        }
    }

    fn change(
        &self,
        actor: &Actor,
        action: &str,
        event: &Event,
        r: &Registration,
        attendee: u32,
        session: u32,
    ) -> Change {
        let mut change = Change::new(actor, self.clock.now(), action, "event_registration").record(r.id.0).after(
            serde_json::json!({
                "event": event.id.0, "code": r.code, "attendee": attendee, "session": session,
            }),
        );
        if let Some(m) = r.municipality {
            change = change.of(m);
        }
        change
    }

    async fn write(
        &self,
        actor: &Actor,
        event: &Event,
        r: &Registration,
        attendee: u32,
        session: u32,
        present: bool,
    ) -> Result<bool, ServiceError> {
        if attendee as usize >= r.attendees.len() {
            return Err(ServiceError::Invalid(InputError::new("attendee", "unknown_attendee")));
        }
        if present {
            let change = self.change(actor, "check_in", event, r, attendee, session);
            match self.store.check_in(event.id, r.id, attendee, session, self.clock.now(), &change).await {
                // The sessions were edited since the event was read.
                Err(StoreError::Conflict(c)) if c == "unknown_session" => {
                    Err(ServiceError::Invalid(InputError::new("session", "unknown_session")))
                }
                Err(StoreError::Conflict(c)) => Err(ServiceError::Conflict(c)),
                other => Ok(other?),
            }
        } else {
            let change = self.change(actor, "undo_check_in", event, r, attendee, session);
            Ok(self.store.undo_check_in(r.id, attendee, session, &change).await?)
        }
    }

    /// Checks one attendee in (`present`) or undoes it, for a session of the event. `false` when nothing
    /// changed. Refuses a registration that is not a confirmed one of this event.
    pub async fn set(
        &self,
        actor: &Actor,
        id: EventId,
        session: u32,
        (registration, attendee): AttendeeRef,
        present: bool,
    ) -> Result<bool, ServiceError> {
        let event = self.event(actor, id).await?;
        Self::session(&event, session)?;
        let r = match self.events.registration(registration).await? {
            Some(r) if r.event == id && r.status == RegistrationStatus::Confirmed => r,
            _ => return Err(ServiceError::Invalid(InputError::new("registration", "registration_not_confirmed"))),
        };
        self.write(actor, &event, &r, attendee, session, present).await
    }

    /// The list form: the attendees ticked are present for `session`, the others not. Returns how many
    /// check-ins were written or undone.
    pub async fn set_session(
        &self,
        actor: &Actor,
        id: EventId,
        session: u32,
        ticked: &BTreeSet<AttendeeRef>,
    ) -> Result<usize, ServiceError> {
        let sheet = self.sheet(actor, id).await?;
        Self::session(&sheet.event, session)?;
        let mut changed = 0;
        for r in &sheet.registrations {
            for attendee in 0..r.attendees.len() as u32 {
                let want = ticked.contains(&(r.id, attendee));
                if want != sheet.present(session, (r.id, attendee))
                    && self.write(actor, &sheet.event, r, attendee, session, want).await?
                {
                    changed += 1;
                }
            }
        }
        Ok(changed)
    }

    /// Checks every attendee of the registration with `code` in for `session`; a field error on `code`
    /// unless it names a confirmed registration of this event. Returns the registration.
    pub async fn check_in_code(
        &self,
        actor: &Actor,
        id: EventId,
        session: u32,
        code: &str,
    ) -> Result<Registration, ServiceError> {
        let event = self.event(actor, id).await?;
        Self::session(&event, session)?;
        let code = code.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(ServiceError::Invalid(InputError::new("code", "required")));
        }
        let found = if is_registration_code(&code) { self.events.registration_by_code(&code).await? } else { None };
        let r = match found {
            Some(r) if r.event == id && r.status == RegistrationStatus::Confirmed => r,
            Some(r) if r.event == id => {
                return Err(ServiceError::Invalid(InputError::new("code", "registration_not_confirmed")));
            }
            _ => return Err(ServiceError::Invalid(InputError::new("code", "unknown_code"))),
        };
        for attendee in 0..r.attendees.len() as u32 {
            self.write(actor, &event, &r, attendee, session, true).await?;
        }
        Ok(r)
    }
}

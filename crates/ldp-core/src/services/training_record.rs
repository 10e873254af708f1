//! The training record (issue 11): who sees what of it. A signed-in person sees their own record (found by
//! their account's address, folded); staff, admins and auditors see everyone's and the union's hours; a
//! representative sees the hours of their own municipalities and the records of the people registered for
//! them, nobody else's. The rules of what counts are in [`crate::domain::training_record`].

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::ServiceError;
use super::accounts::fold_email;
use crate::domain::certificate::Certificate;
use crate::domain::training_record::{
    AttendedSession, HoursTable, PersonRecord, RecordFilter, hours_table, person_record, person_records,
};
use crate::domain::{Actor, InputError, MunicipalityId, Role};
use crate::store::{AccountStore, AttendanceStore, CertificateStore, Store};

/// A person's record with the certificates issued to their address.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordWithCertificates {
    #[serde(flatten)]
    pub record: PersonRecord,
    /// Newest first, revoked ones included (marked by `revoked_at`).
    pub certificates: Vec<Certificate>,
}

/// Hours per topic, province and year, and the people behind them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingReport {
    /// The municipality the report is narrowed to (`None`: the union).
    #[schema(value_type = Option<i64>)]
    pub municipality: Option<MunicipalityId>,
    pub table: HoursTable,
    /// Each person's record, by name in Turkish order.
    pub people: Vec<PersonRecord>,
}

pub struct TrainingRecords {
    attendance: Arc<dyn AttendanceStore>,
    certificates: Arc<dyn CertificateStore>,
    accounts: Arc<dyn AccountStore>,
}

impl TrainingRecords {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>) -> Self {
        TrainingRecords { attendance: store.clone(), certificates: store.clone(), accounts: store }
    }

    /// The municipalities whose registrations `actor` may read, `None` for all; `Forbidden` for a visitor.
    fn scope(actor: &Actor) -> Result<Option<&[MunicipalityId]>, ServiceError> {
        if actor.reads_everything() {
            Ok(None)
        } else if actor.role == Some(Role::Representative) {
            Ok(Some(&actor.municipalities))
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// The signed-in person's own record and certificates, found by their account's address.
    pub async fn mine(&self, actor: &Actor, filter: &RecordFilter) -> Result<RecordWithCertificates, ServiceError> {
        let Some(user) = actor.user.filter(|_| actor.is_signed_in()) else { return Err(ServiceError::Forbidden) };
        let Some(me) = self.accounts.user(user).await? else { return Err(ServiceError::Forbidden) };
        let rows = self.attendance.attended_sessions(filter, None).await?;
        let mut record = person_record(&rows, &me.user.email);
        if record.name.is_empty() {
            record.name = me.user.name.clone();
        }
        let certificates = self.certificates.certificates_of(&fold_email(&me.user.email)).await?;
        Ok(RecordWithCertificates { record, certificates })
    }

    /// The rows of a report: the union's for those who read everything, a representative's own
    /// municipality's (which `filter.municipality` must name) otherwise.
    async fn rows(&self, actor: &Actor, filter: &RecordFilter) -> Result<Vec<AttendedSession>, ServiceError> {
        match Self::scope(actor)? {
            None => Ok(self.attendance.attended_sessions(filter, None).await?),
            Some(own) => match filter.municipality {
                None => Err(InputError::new("municipality", "required").into()),
                Some(m) if own.contains(&m) => Ok(self.attendance.attended_sessions(filter, Some(own)).await?),
                Some(_) => Err(ServiceError::Forbidden),
            },
        }
    }

    /// Hours per topic, province and year with each person's record: the union's (or one municipality's)
    /// for staff, admins and auditors; one of their own municipalities' for a representative.
    pub async fn report(&self, actor: &Actor, filter: &RecordFilter) -> Result<TrainingReport, ServiceError> {
        let rows = self.rows(actor, filter).await?;
        Ok(TrainingReport {
            municipality: filter.municipality,
            table: hours_table(&rows),
            people: person_records(&rows),
        })
    }

    /// One person's record (by address) with their certificates: anyone's for staff, admins and auditors;
    /// for a representative only what the person attended for the representative's municipalities, and
    /// `NotFound` when that is nothing.
    pub async fn person(
        &self,
        actor: &Actor,
        email: &str,
        filter: &RecordFilter,
    ) -> Result<RecordWithCertificates, ServiceError> {
        let within = Self::scope(actor)?;
        if email.trim().is_empty() {
            return Err(InputError::new("email", "required").into());
        }
        if let (Some(own), Some(m)) = (within, filter.municipality)
            && !own.contains(&m)
        {
            return Err(ServiceError::Forbidden);
        }
        let rows = self.attendance.attended_sessions(filter, within).await?;
        let record = person_record(&rows, email);
        let mut certificates = self.certificates.certificates_of(&fold_email(email)).await?;
        if let Some(own) = within {
            if record.trainings.is_empty() {
                return Err(ServiceError::NotFound);
            }
            certificates.retain(|c| c.municipality.is_some_and(|m| own.contains(&m)));
        }
        Ok(RecordWithCertificates { record, certificates })
    }
}

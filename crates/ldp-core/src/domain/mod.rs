//! Domain types: parsed at the edge, so that services never see raw strings.

pub(crate) mod account;
pub mod attendance;
pub(crate) mod audit;
pub mod calendar;
pub mod certificate;
pub mod contact;
pub mod content;
pub mod delegation;
mod error;
pub mod event;
pub mod funding;
mod geo;
mod lang;
mod municipality;
mod network;
pub mod news;
mod paging;
pub mod partnership;
pub mod projects;
pub mod publication;
pub mod saved_search;
mod sdg;
pub(crate) mod serde_date;
pub mod training_record;
pub(crate) mod workspace;

pub use account::{Actor, ApiToken, LinkPurpose, NewUser, Role, Session, StoredUser, User, UserId};
pub use attendance::{AttendanceStore, CheckIn};
pub use audit::{AuditEntry, AuditFilter, Change, RECORD_TYPES};
pub use calendar::{CalendarFeed, CalendarFeedId, CalendarStore};
pub use error::InputError;
pub use event::{
    Attendee, Audience, Consent, Event, EventAudience, EventFields, EventFilter, EventId, EventKind, EventSession,
    EventStatus, EventStore, EventTopic, EventWrites, NewRegistration, PublicRegistration, Registration,
    RegistrationId, RegistrationLinkPurpose, RegistrationStatus,
};
pub use geo::{City, CityFilter, Country, CountryCode};
pub use lang::{Lang, Localized};
pub use municipality::{
    Coordinates, LocationBasis, Municipality, MunicipalityFilter, MunicipalityId, MunicipalityKind, PlateCode,
    Province, ProvinceRef, official_name,
};
pub use network::{
    Network, NetworkFact, NetworkFields, NetworkId, RegistryNetwork, RegistryStatus, Union, UnionMembership,
};
pub use news::{NewsFields, NewsFilter, NewsId, NewsImage, NewsPost, NewsState, NewsStatus, NewsStore};
pub use paging::{Page, PageSlice, Paged};
pub use publication::{
    DocumentLanguage, NewPublicationFile, Publication, PublicationFields, PublicationFile, PublicationFileId,
    PublicationFilter, PublicationId, PublicationInput, PublicationKind, PublicationStatus, PublicationStore,
};
pub use sdg::{GoalNumber, SdgGoal, SdgGoalDetail, SdgTarget};
pub use workspace::{
    MembershipFields, MembershipStatus, MunicipalMembership, MunicipalityProfile, Representative, RepresentativeFields,
};

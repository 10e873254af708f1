//! The legal trail of a partnership as rules: which step may follow which, and what evidence each needs.

use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;
use utoipa::ToSchema;

use super::types::Stage;
use crate::domain::InputError;

/// The evidence a step needs. Built by [`Evidence::parse`], so every field is present and non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// The municipal council's decision (Law 5393 art. 18(p), 74).
    CouncilDecision {
        number: String,
        date: Date,
    },
    /// The ministry's prior permission (art. 74); the authority is data, not code.
    MinistryPermission {
        date: Date,
        reference: String,
        authority: String,
    },
    /// The Ministry of Foreign Affairs informed (Law 1173).
    MfaInformed {
        date: Date,
    },
    ProtocolSigned {
        date: Date,
        place: String,
        signatories: String,
    },
    Activated {
        date: Date,
    },
    /// Ending the relation, again by council decision.
    Terminated {
        number: String,
        date: Date,
        reason: String,
    },
}

/// The steps that evidence can record.
pub type TransitionKind = Stage;

/// Raw evidence fields as a form or a command line sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, ToSchema)]
pub struct RawEvidence {
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub number: Option<String>,
    pub reference: Option<String>,
    pub authority: Option<String>,
    pub place: Option<String>,
    pub signatories: Option<String>,
    pub reason: Option<String>,
}

fn required(errors: &mut InputError, field: &str, value: &Option<String>) -> String {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() <= 500 => v.to_owned(),
        Some(_) => {
            errors.add(field, "too_long");
            String::new()
        }
        None => {
            errors.add(field, "required");
            String::new()
        }
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(field: &str, value: Option<&str>) -> Result<Date, InputError> {
    let v = value.map(str::trim).filter(|v| !v.is_empty()).ok_or_else(|| InputError::new(field, "required"))?;
    Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| InputError::new(field, "invalid_date"))
}

impl Evidence {
    /// The stage this evidence moves a partnership to.
    pub fn stage(&self) -> Stage {
        match self {
            Evidence::CouncilDecision { .. } => Stage::CouncilApproved,
            Evidence::MinistryPermission { .. } => Stage::Permitted,
            Evidence::MfaInformed { .. } => Stage::MfaInformed,
            Evidence::ProtocolSigned { .. } => Stage::Signed,
            Evidence::Activated { .. } => Stage::Active,
            Evidence::Terminated { .. } => Stage::Terminated,
        }
    }

    pub fn date(&self) -> Date {
        match self {
            Evidence::CouncilDecision { date, .. }
            | Evidence::MinistryPermission { date, .. }
            | Evidence::MfaInformed { date }
            | Evidence::ProtocolSigned { date, .. }
            | Evidence::Activated { date }
            | Evidence::Terminated { date, .. } => *date,
        }
    }

    /// Builds the evidence for `stage` from raw fields, naming every missing or malformed one.
    /// `default_authority` fills in the permission's authority when none is given.
    pub fn parse(stage: Stage, raw: &RawEvidence, default_authority: &str) -> Result<Evidence, InputError> {
        let mut errors = InputError::default();
        let date = match parse_date("date", raw.date.as_deref()) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.fields.extend(e.fields);
                None
            }
        };
        let evidence = match stage {
            Stage::Proposed => {
                errors.add("stage", "not_a_transition");
                None
            }
            Stage::CouncilApproved => {
                let number = required(&mut errors, "number", &raw.number);
                date.map(|date| Evidence::CouncilDecision { number, date })
            }
            Stage::Permitted => {
                let reference = required(&mut errors, "reference", &raw.reference);
                let authority = match raw.authority.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                    Some(a) => a.to_owned(),
                    None => default_authority.to_owned(),
                };
                date.map(|date| Evidence::MinistryPermission { date, reference, authority })
            }
            Stage::MfaInformed => date.map(|date| Evidence::MfaInformed { date }),
            Stage::Signed => {
                let place = required(&mut errors, "place", &raw.place);
                let signatories = required(&mut errors, "signatories", &raw.signatories);
                date.map(|date| Evidence::ProtocolSigned { date, place, signatories })
            }
            Stage::Active => date.map(|date| Evidence::Activated { date }),
            Stage::Terminated => {
                let number = required(&mut errors, "number", &raw.number);
                let reason = required(&mut errors, "reason", &raw.reason);
                date.map(|date| Evidence::Terminated { number, date, reason })
            }
        };
        match evidence {
            Some(e) if errors.is_empty() => Ok(e),
            _ => Err(errors),
        }
    }
}

/// A step an inspector would find missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct MissingStep {
    pub stage: Stage,
}

/// What the rules need to know about a partnership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailState {
    pub stage: Stage,
    /// The partner is abroad, so ministry permission is mandatory.
    pub abroad: bool,
    pub foreign_missions: bool,
    pub trail_incomplete: bool,
    /// The steps recorded so far, with their dates, in order.
    pub recorded: Vec<(Stage, Date)>,
}

/// Why a step was refused: a stable code, the step that must come first (if any), and field messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub missing: Option<Stage>,
    pub fields: BTreeMap<String, String>,
}

impl Refusal {
    fn new(code: &'static str) -> Self {
        Refusal { code, missing: None, fields: BTreeMap::new() }
    }

    pub(crate) fn on_date(code: &'static str) -> Self {
        let mut r = Refusal::new(code);
        r.fields.insert("date".into(), code.into());
        r
    }

    fn out_of_order(missing: Stage) -> Self {
        Refusal { code: "out_of_order", missing: Some(missing), fields: BTreeMap::new() }
    }
}

/// What recording the evidence does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub stage: Stage,
    /// The step fills a gap in an imported relation's trail instead of moving it.
    pub backfilled: bool,
    /// After this step the trail has no gaps left.
    pub trail_complete: bool,
}

/// The evidence steps a relation needs before it can be signed, in order.
fn required_steps(abroad: bool, foreign_missions: bool) -> Vec<Stage> {
    let mut steps = vec![Stage::CouncilApproved];
    if abroad {
        steps.push(Stage::Permitted);
    }
    if foreign_missions {
        steps.push(Stage::MfaInformed);
    }
    steps.push(Stage::Signed);
    steps
}

/// The steps an inspector would find missing: every required step up to where the relation stands that has
/// no record.
pub fn missing_steps(state: &TrailState) -> Vec<MissingStep> {
    // Activation needs no paper of its own; the legal trail is the decisions, the permission and the protocol.
    let reached = |s: Stage| state.trail_incomplete || state.stage >= s;
    required_steps(state.abroad, state.foreign_missions)
        .into_iter()
        .filter(|s| reached(*s) && !state.recorded.iter().any(|(r, _)| r == s))
        .map(|stage| MissingStep { stage })
        .collect()
}

/// Checks `evidence` against the rules and says what recording it does. `today` bounds dates.
pub fn apply(state: &TrailState, evidence: &Evidence, today: Date) -> Result<Applied, Refusal> {
    let applied = check_order(state, evidence.stage())?;
    match check_date(state, evidence.stage(), Some(&applied), evidence.date(), today) {
        Ok(()) => Ok(applied),
        Err(code) => Err(Refusal::on_date(code)),
    }
}

/// Why a step as submitted cannot be recorded: a rule refuses it (with any bad fields beside), or only its
/// fields are wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Refused(Refusal),
    Invalid(InputError),
}

/// Checks a submitted step whole: its place in the order, its evidence fields and its date, reporting every
/// problem at once, so nobody has to submit three times to learn three things. An order refusal carries the
/// field errors too; field errors alone are `Invalid`; a date rule alone is a `Refused` on the date.
pub fn check_step(
    state: &TrailState,
    stage: Stage,
    raw: &RawEvidence,
    default_authority: &str,
    today: Date,
) -> Result<(Evidence, Applied), Rejection> {
    if stage == Stage::Proposed {
        return Err(Rejection::Invalid(InputError::new("stage", "not_a_transition")));
    }
    let order = check_order(state, stage);
    let parsed = Evidence::parse(stage, raw, default_authority);
    let mut fields = match &parsed {
        Ok(_) => BTreeMap::new(),
        Err(e) => e.fields.clone(),
    };
    let date = match &parsed {
        Ok(e) => Some(e.date()),
        Err(_) => parse_date("date", raw.date.as_deref()).ok(),
    };
    if let Some(date) = date
        && let Err(code) = check_date(state, stage, order.as_ref().ok(), date, today)
    {
        fields.insert("date".into(), code.into());
    }
    match (order, parsed) {
        (Err(mut refusal), _) => {
            refusal.fields.extend(fields);
            Err(Rejection::Refused(refusal))
        }
        (Ok(_), Err(_)) => Err(Rejection::Invalid(InputError { fields })),
        (Ok(applied), Ok(evidence)) => match fields.remove("date") {
            None => Ok((evidence, applied)),
            Some(code) => {
                // The refusal's code stays the rule's; the field names the proposal when that is what it precedes.
                let rule = if code == "date_in_future" { "date_in_future" } else { "date_before_previous_step" };
                let mut refusal = Refusal::new(rule);
                refusal.fields.insert("date".into(), code);
                Err(Rejection::Refused(refusal))
            }
        },
    }
}

/// The date rules: not in the future, and not before the step it follows. `applied` is what the order check
/// allowed (`None` when it refused, and then only the future is checked). A date before the proposal says
/// so, because a wrongly recorded proposal date can be corrected until the next step.
fn check_date(
    state: &TrailState,
    stage: Stage,
    applied: Option<&Applied>,
    date: Date,
    today: Date,
) -> Result<(), &'static str> {
    if date > today {
        return Err("date_in_future");
    }
    let Some(applied) = applied else { return Ok(()) };
    // A back-filled step follows the paperwork already recorded; an ordinary one follows every step.
    let previous = state
        .recorded
        .iter()
        .filter(|(s, _)| !applied.backfilled || required_steps(state.abroad, state.foreign_missions).contains(s))
        .max_by_key(|(_, d)| *d);
    let terminating_import = state.trail_incomplete && stage == Stage::Terminated;
    match previous {
        Some((before, last)) if date < *last && !terminating_import => {
            Err(if *before == Stage::Proposed { "date_before_proposal" } else { "date_before_previous_step" })
        }
        _ => Ok(()),
    }
}

/// Whether `target` may be recorded now, and what that does.
fn check_order(state: &TrailState, target: Stage) -> Result<Applied, Refusal> {
    if state.stage == Stage::Terminated {
        return Err(Refusal::new("already_terminated"));
    }
    if target == Stage::Terminated {
        return Ok(Applied { stage: Stage::Terminated, backfilled: false, trail_complete: !state.trail_incomplete });
    }
    let steps = required_steps(state.abroad, state.foreign_missions);
    if state.trail_incomplete {
        // Back-filling an imported relation: the paperwork must still be recorded in legal order.
        let missing: Vec<Stage> =
            steps.iter().copied().filter(|s| !state.recorded.iter().any(|(r, _)| r == s)).collect();
        let Some(next) = missing.first().copied() else {
            return Err(Refusal::new("trail_complete"));
        };
        if target != next {
            return Err(if missing.contains(&target) {
                Refusal::out_of_order(next)
            } else {
                Refusal::new("not_applicable")
            });
        }
        return Ok(Applied { stage: state.stage, backfilled: true, trail_complete: missing.len() == 1 });
    }
    match next_step(state, &steps) {
        None => Err(Refusal::new("no_further_step")),
        Some(next) if next == target => Ok(Applied { stage: target, backfilled: false, trail_complete: true }),
        // Informing the MFA is allowed even when no mission was involved, right after permission.
        Some(Stage::Signed)
            if target == Stage::MfaInformed && state.stage == Stage::Permitted && !state.foreign_missions =>
        {
            Ok(Applied { stage: target, backfilled: false, trail_complete: true })
        }
        Some(_) if target == Stage::Permitted && !state.abroad => Err(Refusal::new("not_applicable")),
        Some(next) => Err(Refusal::out_of_order(next)),
    }
}

/// The step the trail expects next (back-filled paperwork first), if any besides ending the relation; the
/// workspace opens its form first.
pub fn expected_step(state: &TrailState) -> Option<Stage> {
    Stage::ALL
        .iter()
        .copied()
        .filter(|s| !matches!(s, Stage::Proposed | Stage::Terminated))
        .find(|s| check_order(state, *s).is_ok())
}

/// The one step that may come next on a relation's ordinary path.
fn next_step(state: &TrailState, steps: &[Stage]) -> Option<Stage> {
    match state.stage {
        Stage::Proposed => Some(Stage::CouncilApproved),
        Stage::Signed => Some(Stage::Active),
        Stage::Active | Stage::Terminated => None,
        current => {
            let done = |s: &Stage| state.recorded.iter().any(|(r, _)| r == s) || *s <= current;
            steps.iter().copied().find(|s| !done(s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    fn state(stage: Stage, abroad: bool, missions: bool, recorded: &[(Stage, Date)]) -> TrailState {
        TrailState { stage, abroad, foreign_missions: missions, trail_incomplete: false, recorded: recorded.to_vec() }
    }

    fn council(d: Date) -> Evidence {
        Evidence::CouncilDecision { number: "2026/41".into(), date: d }
    }

    fn permission(d: Date) -> Evidence {
        Evidence::MinistryPermission { date: d, reference: "E-123".into(), authority: "ÇŞİDB".into() }
    }

    fn signed(d: Date) -> Evidence {
        Evidence::ProtocolSigned { date: d, place: "Bursa".into(), signatories: "Mayors".into() }
    }

    #[test]
    fn the_full_path_abroad_with_missions() {
        let mut s = state(Stage::Proposed, true, true, &[(Stage::Proposed, date!(2026 - 01 - 05))]);
        for ev in [
            council(date!(2026 - 02 - 01)),
            permission(date!(2026 - 03 - 01)),
            Evidence::MfaInformed { date: date!(2026 - 03 - 10) },
            signed(date!(2026 - 04 - 01)),
            Evidence::Activated { date: date!(2026 - 04 - 02) },
            Evidence::Terminated { number: "2026/90".into(), date: date!(2026 - 10 - 01), reason: "x".into() },
        ] {
            let applied = apply(&s, &ev, TODAY).unwrap_or_else(|r| panic!("{:?} refused: {r:?}", ev.stage()));
            s.stage = applied.stage;
            s.recorded.push((ev.stage(), ev.date()));
        }
        assert_eq!(s.stage, Stage::Terminated);
        assert_eq!(apply(&s, &council(TODAY), TODAY).unwrap_err().code, "already_terminated");
    }

    #[test]
    fn signing_before_permission_is_refused_naming_the_missing_step() {
        let s = state(Stage::CouncilApproved, true, false, &[(Stage::CouncilApproved, date!(2026 - 02 - 01))]);
        let r = apply(&s, &signed(date!(2026 - 03 - 01)), TODAY).unwrap_err();
        assert_eq!((r.code, r.missing), ("out_of_order", Some(Stage::Permitted)));
    }

    #[test]
    fn missions_require_the_mfa_before_signing() {
        let s = state(Stage::Permitted, true, true, &[(Stage::CouncilApproved, date!(2026 - 02 - 01))]);
        let r = apply(&s, &signed(date!(2026 - 03 - 01)), TODAY).unwrap_err();
        assert_eq!(r.missing, Some(Stage::MfaInformed));
    }

    #[test]
    fn domestic_partners_need_no_ministry_permission() {
        let s = state(Stage::CouncilApproved, false, false, &[(Stage::CouncilApproved, date!(2026 - 02 - 01))]);
        assert_eq!(apply(&s, &signed(date!(2026 - 03 - 01)), TODAY).unwrap().stage, Stage::Signed);
        assert_eq!(apply(&s, &permission(date!(2026 - 03 - 01)), TODAY).unwrap_err().code, "not_applicable");
    }

    #[test]
    fn dates_cannot_go_backwards_or_into_the_future() {
        let s = state(Stage::CouncilApproved, true, false, &[(Stage::CouncilApproved, date!(2026 - 02 - 01))]);
        assert_eq!(apply(&s, &permission(date!(2026 - 01 - 01)), TODAY).unwrap_err().code, "date_before_previous_step");
        assert_eq!(apply(&s, &permission(date!(2027 - 01 - 01)), TODAY).unwrap_err().code, "date_in_future");
    }

    #[test]
    fn council_first_from_proposed() {
        let s = state(Stage::Proposed, true, false, &[]);
        let r = apply(&s, &permission(date!(2026 - 03 - 01)), TODAY).unwrap_err();
        assert_eq!(r.missing, Some(Stage::CouncilApproved));
    }

    #[test]
    fn imported_trails_are_backfilled_in_order_and_report_gaps() {
        let mut s = TrailState {
            stage: Stage::Active,
            abroad: true,
            foreign_missions: false,
            trail_incomplete: true,
            recorded: vec![],
        };
        let gaps: Vec<Stage> = missing_steps(&s).into_iter().map(|m| m.stage).collect();
        assert_eq!(gaps, [Stage::CouncilApproved, Stage::Permitted, Stage::Signed]);
        assert_eq!(apply(&s, &signed(date!(2001 - 01 - 01)), TODAY).unwrap_err().missing, Some(Stage::CouncilApproved));
        let a = apply(&s, &council(date!(2000 - 05 - 01)), TODAY).unwrap();
        assert!(a.backfilled && !a.trail_complete && a.stage == Stage::Active);
        s.recorded.push((Stage::CouncilApproved, date!(2000 - 05 - 01)));
        s.recorded.push((Stage::Permitted, date!(2000 - 07 - 01)));
        let a = apply(&s, &signed(date!(2000 - 09 - 01)), TODAY).unwrap();
        assert!(a.trail_complete);
    }

    #[test]
    fn missing_steps_of_an_ordinary_relation_are_none() {
        let s = state(
            Stage::Signed,
            true,
            false,
            &[
                (Stage::CouncilApproved, date!(2026 - 01 - 01)),
                (Stage::Permitted, date!(2026 - 02 - 01)),
                (Stage::Signed, date!(2026 - 03 - 01)),
            ],
        );
        assert!(missing_steps(&s).is_empty());
    }

    #[test]
    fn a_step_out_of_order_reports_its_fields_too() {
        let s = state(Stage::Proposed, true, false, &[(Stage::Proposed, date!(2026 - 01 - 05))]);
        let raw = RawEvidence { date: Some("2027-01-01".into()), ..Default::default() };
        match check_step(&s, Stage::Signed, &raw, "x", TODAY).unwrap_err() {
            Rejection::Refused(r) => {
                assert_eq!((r.code, r.missing), ("out_of_order", Some(Stage::CouncilApproved)));
                let fields: Vec<(&str, &str)> = r.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                assert_eq!(
                    fields,
                    [("date", "date_in_future"), ("place", "required"), ("signatories", "required")],
                    "every problem at once"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_fields_and_a_bad_date_are_reported_together() {
        let s = state(Stage::CouncilApproved, true, false, &[(Stage::CouncilApproved, date!(2026 - 02 - 01))]);
        let raw = RawEvidence { date: Some("2026-01-01".into()), ..Default::default() };
        match check_step(&s, Stage::Permitted, &raw, "x", TODAY).unwrap_err() {
            Rejection::Invalid(e) => {
                assert_eq!(e.fields["date"], "date_before_previous_step");
                assert_eq!(e.fields["reference"], "required");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_council_date_before_the_proposal_names_the_proposal() {
        let s = state(Stage::Proposed, true, false, &[(Stage::Proposed, date!(2026 - 11 - 28))]);
        let raw = RawEvidence { date: Some("2026-11-20".into()), number: Some("2026/9".into()), ..Default::default() };
        match check_step(&s, Stage::CouncilApproved, &raw, "x", TODAY).unwrap_err() {
            Rejection::Refused(r) => {
                assert_eq!((r.code, r.fields["date"].as_str()), ("date_before_previous_step", "date_before_proposal"))
            }
            other => panic!("{other:?}"),
        }
        let fixed = state(Stage::Proposed, true, false, &[(Stage::Proposed, date!(2026 - 11 - 10))]);
        assert!(check_step(&fixed, Stage::CouncilApproved, &raw, "x", TODAY).is_ok());
    }

    #[test]
    fn the_expected_step_follows_the_trail() {
        let s = state(Stage::Proposed, true, false, &[]);
        assert_eq!(expected_step(&s), Some(Stage::CouncilApproved));
        let s = state(Stage::CouncilApproved, true, true, &[(Stage::CouncilApproved, date!(2026 - 02 - 01))]);
        assert_eq!(expected_step(&s), Some(Stage::Permitted));
        assert_eq!(expected_step(&state(Stage::Active, true, false, &[])), None);
        let imported = TrailState { trail_incomplete: true, ..state(Stage::Active, true, false, &[]) };
        assert_eq!(expected_step(&imported), Some(Stage::CouncilApproved));
    }

    #[test]
    fn evidence_names_every_missing_field() {
        let e = Evidence::parse(Stage::Signed, &RawEvidence::default(), "ÇŞİDB").unwrap_err();
        let fields: Vec<&str> = e.fields.keys().map(String::as_str).collect();
        assert_eq!(fields, ["date", "place", "signatories"]);
        let raw = RawEvidence { date: Some("2026-13-01".into()), number: Some("1".into()), ..Default::default() };
        assert_eq!(Evidence::parse(Stage::CouncilApproved, &raw, "x").unwrap_err().fields["date"], "invalid_date");
        let raw = RawEvidence { date: Some("2026-03-01".into()), reference: Some("E-1".into()), ..Default::default() };
        match Evidence::parse(Stage::Permitted, &raw, "Çevre, Şehircilik ve İklim Değişikliği Bakanlığı").unwrap()
        {
            Evidence::MinistryPermission { authority, .. } => assert!(authority.starts_with("Çevre")),
            other => panic!("{other:?}"),
        }
    }
}

//! Which stored session a session of an edited event is (issue 11). Check-ins name a session by its id, so
//! an edit must say which sessions stay the same ones: reordering, adding a day before or correcting a
//! time must not move anyone's attendance to another session.

use crate::clock::istanbul_date;

use super::EventSession;

/// What saving an event's sessions does to the stored ones: the stored id each new session keeps (`None`
/// for a new one), in the new order, and the stored sessions that go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionEdit {
    pub keeps: Vec<Option<i64>>,
    pub removed: Vec<i64>,
}

/// Pairs an event's stored sessions (`(id, session)`, in order) with its sessions as edited. A session
/// keeps its identity when its start and end are unchanged; then each stored session left over, in time
/// order, is the first new session left over that starts on the same day in Istanbul (a time corrected on
/// its day). Stored sessions left after that are removed.
pub fn match_sessions(stored: &[(i64, EventSession)], edited: &[EventSession]) -> SessionEdit {
    let mut keeps: Vec<Option<i64>> = vec![None; edited.len()];
    let mut taken = vec![false; stored.len()];
    for (slot, new) in keeps.iter_mut().zip(edited) {
        if let Some(i) = (0..stored.len()).find(|&i| !taken[i] && stored[i].1 == *new) {
            taken[i] = true;
            *slot = Some(stored[i].0);
        }
    }
    let mut left: Vec<usize> = (0..stored.len()).filter(|&i| !taken[i]).collect();
    left.sort_by_key(|&i| stored[i].1.start);
    for i in left {
        let (id, old) = stored[i];
        let day = istanbul_date(old.start);
        let same_day = (0..edited.len())
            .filter(|&j| keeps[j].is_none() && istanbul_date(edited[j].start) == day)
            .min_by_key(|&j| edited[j].start);
        if let Some(j) = same_day {
            keeps[j] = Some(id);
            taken[i] = true;
        }
    }
    let removed = stored.iter().zip(&taken).filter(|(_, taken)| !**taken).map(|((id, _), _)| *id).collect();
    SessionEdit { keeps, removed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn s(start: time::OffsetDateTime, hours: i64) -> EventSession {
        EventSession { start, end: start + time::Duration::hours(hours) }
    }

    #[test]
    fn reordered_sessions_keep_their_ids() {
        let a = s(datetime!(2026-05-04 07:00 UTC), 3);
        let b = s(datetime!(2026-05-05 07:00 UTC), 3);
        let edit = match_sessions(&[(10, b), (11, a)], &[a, b]);
        assert_eq!(edit, SessionEdit { keeps: vec![Some(11), Some(10)], removed: vec![] });
    }

    #[test]
    fn a_day_added_before_is_new_and_the_others_stay() {
        let a = s(datetime!(2026-05-04 07:00 UTC), 3);
        let b = s(datetime!(2026-05-05 07:00 UTC), 3);
        let before = s(datetime!(2026-05-03 07:00 UTC), 2);
        let edit = match_sessions(&[(1, a), (2, b)], &[before, a, b]);
        assert_eq!(edit, SessionEdit { keeps: vec![None, Some(1), Some(2)], removed: vec![] });
    }

    #[test]
    fn a_time_corrected_on_its_istanbul_day_keeps_the_session() {
        // 22:00 UTC on the 3rd is 01:00 on the 4th in Istanbul: the same day as 07:00 UTC on the 4th.
        let a = s(datetime!(2026-05-04 07:00 UTC), 3);
        let late = s(datetime!(2026-05-03 22:00 UTC), 1);
        let other_day = s(datetime!(2026-05-05 07:00 UTC), 3);
        let edit = match_sessions(&[(1, a)], &[late]);
        assert_eq!(edit, SessionEdit { keeps: vec![Some(1)], removed: vec![] });
        let edit = match_sessions(&[(1, a)], &[other_day]);
        assert_eq!(edit, SessionEdit { keeps: vec![None], removed: vec![1] });
    }

    #[test]
    fn a_session_left_out_is_removed() {
        let a = s(datetime!(2026-05-04 07:00 UTC), 3);
        let b = s(datetime!(2026-05-05 07:00 UTC), 3);
        let c = s(datetime!(2026-05-06 07:00 UTC), 3);
        let edit = match_sessions(&[(1, a), (2, b), (3, c)], &[a, c]);
        assert_eq!(edit, SessionEdit { keeps: vec![Some(1), Some(3)], removed: vec![2] });
    }
}

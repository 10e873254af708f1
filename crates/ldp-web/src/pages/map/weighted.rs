//! Weighted lines for a map of many relations: one line per member and partner country (read grouped from the
//! database), its width and opacity growing with its number of relations. Every line to a country ends at the
//! mean point of that country's partners, so the lines to one country meet there. When even that gives more
//! than [`MAX_MEMBER_LINES`] lines, the members of each province are drawn together, from their mean point: the
//! members of one province lie a few pixels apart on the map, so nothing visible is lost, and the page stays
//! small.

use std::collections::HashMap;

use ldp_core::domain::partnership::MemberCountryLink;
use ldp_core::domain::{Coordinates, Lang};

use super::MapLink;

/// The smallest weight of each line class, thinnest first (`app.css` gives each its width and opacity).
pub const WEIGHT_STEPS: [(u32, &str); 5] = [(1, "w1"), (2, "w2"), (5, "w3"), (15, "w4"), (50, "w5")];

/// Above this many member–country pairs, one line per province and partner country.
pub const MAX_MEMBER_LINES: usize = 1_500;

/// The class of a line standing for `weight` relations.
pub fn weight_class(weight: u32) -> &'static str {
    WEIGHT_STEPS.iter().rev().find(|(from, _)| weight >= *from).map_or("w1", |(_, class)| class)
}

/// The legend's line classes with the range of relations each stands for ("2–4", "50+").
pub fn legend() -> Vec<(&'static str, String)> {
    WEIGHT_STEPS
        .iter()
        .enumerate()
        .map(|(i, (from, class))| {
            let range = match WEIGHT_STEPS.get(i + 1) {
                Some((next, _)) if next - 1 == *from => from.to_string(),
                Some((next, _)) => format!("{from}–{}", next - 1),
                None => format!("{from}+"),
            };
            (*class, range)
        })
        .collect()
}

/// What a line starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One line per member and partner country.
    Member,
    /// One line per province and partner country (too many member lines).
    Province,
}

/// How the lines are worded: `tooltip(from, country, count)` and the name of a province's members.
pub struct Wording<'a> {
    pub tooltip: &'a (dyn Fn(&str, &str, u64) -> String + Sync),
    pub province_members: &'a (dyn Fn(&str) -> String + Sync),
}

/// The weighted lines of `pairs`, with country names in `lang`.
pub fn links(pairs: &[MemberCountryLink], lang: Lang, wording: &Wording<'_>) -> (Vec<MapLink>, Grouping) {
    let grouping = if pairs.len() > MAX_MEMBER_LINES { Grouping::Province } else { Grouping::Member };
    let start_of = |p: &MemberCountryLink| match grouping {
        Grouping::Member => p.member.slug.clone(),
        Grouping::Province => p.member.province.clone(),
    };
    let starts = mean_points(pairs, |p| (start_of(p), p.member.location));
    let ends = mean_points(pairs, |p| (p.country.as_str().to_owned(), p.partners_at));
    // (start, country) → (weight, the first pair), in the order of `pairs`.
    let mut lines: Vec<(u64, &MemberCountryLink)> = Vec::new();
    let mut index: HashMap<(String, &str), usize> = HashMap::new();
    for p in pairs {
        match index.get(&(start_of(p), p.country.as_str())) {
            Some(&i) => lines[i].0 += p.partnerships,
            None => {
                index.insert((start_of(p), p.country.as_str()), lines.len());
                lines.push((p.partnerships, p));
            }
        }
    }
    let links = lines
        .into_iter()
        .map(|(weight, p)| {
            let country_name = p.country_name.get(lang).to_owned();
            let from = match grouping {
                Grouping::Member => p.member.name.clone(),
                Grouping::Province => (wording.province_members)(&p.member.province),
            };
            MapLink {
                from: starts[&start_of(p)],
                to: ends[p.country.as_str()],
                label: (wording.tooltip)(&from, &country_name, weight),
                partnership: None,
                weight: u32::try_from(weight).unwrap_or(u32::MAX),
                weighted: true,
                member: from,
                partner: country_name.clone(),
                country: p.country.clone(),
                country_name,
            }
        })
        .collect();
    (links, grouping)
}

/// The mean point of each key's points, each pair weighted by its number of relations.
fn mean_points(
    pairs: &[MemberCountryLink],
    key_and_point: impl Fn(&MemberCountryLink) -> (String, Coordinates),
) -> HashMap<String, Coordinates> {
    let mut sums: HashMap<String, (f64, f64, f64)> = HashMap::new();
    for p in pairs {
        let (key, at) = key_and_point(p);
        let n = p.partnerships as f64;
        let s = sums.entry(key).or_default();
        (s.0, s.1, s.2) = (s.0 + at.lat * n, s.1 + at.lng * n, s.2 + n);
    }
    sums.into_iter()
        .map(|(k, (lat, lng, n))| (k, Coordinates { lat: lat / n.max(1.0), lng: lng / n.max(1.0) }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldp_core::domain::partnership::MemberRef;
    use ldp_core::domain::{CountryCode, Localized, MunicipalityKind};

    fn pair(member: usize, province: &str, country: &str, partnerships: u64) -> MemberCountryLink {
        MemberCountryLink {
            member: MemberRef {
                id: member as i64,
                slug: format!("m{member}"),
                name: format!("M{member}"),
                kind: MunicipalityKind::District,
                province: province.to_owned(),
                location: Coordinates { lat: 40.0 + member as f64 / 100.0, lng: 29.0 },
            },
            country: CountryCode::parse(country).unwrap(),
            country_name: Localized::new(country.to_owned(), country.to_owned()),
            numeric: None,
            partnerships,
            partners_at: Coordinates { lat: 50.0, lng: 10.0 + partnerships as f64 },
        }
    }

    fn wording() -> Wording<'static> {
        Wording {
            tooltip: &|from, country, n| format!("{from} – {country}: {n}"),
            province_members: &|p| format!("in {p}"),
        }
    }

    #[test]
    fn too_many_member_lines_are_drawn_per_province() {
        let codes: Vec<String> =
            (b'A'..=b'Z').flat_map(|a| (b'A'..=b'Z').map(move |b| format!("{}{}", a as char, b as char))).collect();
        let pairs: Vec<MemberCountryLink> = (0..MAX_MEMBER_LINES + 1)
            .map(|i| pair(i % 4, if i % 4 < 2 { "Bursa" } else { "Kocaeli" }, &codes[i / 4], 1 + (i % 3) as u64))
            .collect();
        let total: u64 = pairs.iter().map(|p| p.partnerships).sum();
        let (lines, grouping) = links(&pairs, Lang::Tr, &wording());
        assert_eq!(grouping, Grouping::Province);
        assert_eq!(lines.iter().map(|l| u64::from(l.weight)).sum::<u64>(), total);
        assert!(lines.len() < pairs.len() && lines.iter().all(|l| l.member.starts_with("in ")));
        let (few, grouping) = links(&pairs[..10], Lang::Tr, &wording());
        assert_eq!((few.len(), grouping), (10, Grouping::Member));
        // Every line to one country ends at the same point.
        let to_aa: Vec<Coordinates> = few.iter().filter(|l| l.country.as_str() == "AA").map(|l| l.to).collect();
        assert!(to_aa.len() > 1 && to_aa.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn weights_fall_into_widening_classes() {
        assert_eq!(
            [1, 2, 4, 5, 14, 15, 49, 50, 5000].map(weight_class),
            ["w1", "w2", "w2", "w3", "w3", "w4", "w4", "w5", "w5"]
        );
        let ranges: Vec<String> = legend().into_iter().map(|(_, r)| r).collect();
        assert_eq!(ranges, ["1", "2–4", "5–14", "15–49", "50+"]);
    }
}

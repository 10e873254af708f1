//! The world map of partnerships, drawn on the server as SVG: Natural Earth countries (world-atlas 110m,
//! pre-projected into `data/world/countries-110m.tsv`) and arcs along great circles from members to partners.
//!
//! The page shows two views of one drawing: Europe and the Middle East, where most partners are, and the
//! whole world beside it. The second view reuses the first one's shapes (`<use>`), so the arcs are sent once.
//! Each view labels its partner countries with their number of relations; the list beside the map gives all.
//!
//! What is drawn are [`MapLink`]s: one per relation, or, for a map of many relations, weighted ones per member and
//! partner country ([`weighted`]), drawn as lighter curves whose width and opacity grow with their weight.

mod geometry;
mod labels;
pub mod page;
pub mod weighted;

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ldp_core::domain::partnership::Partnership;
use ldp_core::domain::{Coordinates, CountryCode, Lang};

pub use geometry::{Rect, arc_path, curve_path, project};
pub use labels::Label;

/// One country shape: ISO numeric id (or a name for the few without one) and its SVG path.
pub struct CountryShape {
    pub id: String,
    pub path: String,
}

static COUNTRIES: LazyLock<Vec<CountryShape>> = LazyLock::new(|| {
    include_str!("../../../../../data/world/countries-110m.tsv")
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let (id, _name, path) = (parts.next()?, parts.next()?, parts.next()?);
            Some(CountryShape { id: id.to_owned(), path: path.to_owned() })
        })
        .collect()
});

/// Europe and the Middle East, from the Atlantic to Central Asia: where most members' partners are.
pub static EUROPE: LazyLock<Rect> = LazyLock::new(|| Rect::lng_lat(-12.0, 72.0, 20.0, 66.0));
/// The world without Antarctica.
pub static WORLD: LazyLock<Rect> = LazyLock::new(|| Rect::lng_lat(-180.0, 180.0, -58.0, 84.0));
/// On a phone the Europe view is laid out 4:3 and cut at the sides (`app.css`), so it stays large enough to read.
pub const PHONE_RATIO: f64 = 4.0 / 3.0;
/// Label font sizes in canvas units, matching `app.css`: the Europe view on wide screens and on phones, the
/// world view.
pub const LABEL_WIDE: f64 = 3.8;
pub const LABEL_NARROW: f64 = 5.6;
pub const LABEL_WORLD: f64 = 24.0;

/// The map's id for a country: its ISO numeric code, or the name Natural Earth gives the few without one.
pub fn shape_id(iso2: &str, numeric: Option<&str>) -> Option<String> {
    match numeric.filter(|n| !n.is_empty()) {
        Some(n) => Some(n.to_owned()),
        None if iso2 == "XK" => Some("Kosovo".to_owned()),
        // The Turkish Republic of Northern Cyprus (no ISO code; see data/README.md).
        None if iso2 == "XN" => Some("N.Cyprus".to_owned()),
        None => None,
    }
}

/// One line on the map, from a member to a partner.
pub struct MapLink {
    pub from: Coordinates,
    pub to: Coordinates,
    /// What the line's tooltip says, e.g. "Bursa – Darmstadt", or "Nilüfer – Almanya: 12" for a weighted line.
    pub label: String,
    /// The relation drawn, when the link is one relation.
    pub partnership: Option<i64>,
    /// How many relations the line stands for: 1 for one relation, more for a weighted line.
    pub weight: u32,
    /// Whether the line is drawn weighted (a map of many relations), even when it stands for one relation.
    pub weighted: bool,
    /// The names of the marks at both ends: the member, and the partner (or, weighted, the partner country).
    pub member: String,
    pub partner: String,
    pub country: CountryCode,
    /// The partner country's name in the page's language.
    pub country_name: String,
}

/// A drawn arc.
pub struct MapArc {
    pub path: String,
    pub partnership: Option<i64>,
    pub label: String,
    /// How many relations it stands for, when it is a weighted line.
    pub weight: Option<u32>,
}

impl MapArc {
    /// The CSS class that gives a weighted line its width and opacity (see [`weighted::WEIGHT_STEPS`]).
    pub fn weight_class(&self) -> Option<&'static str> {
        self.weight.map(weighted::weight_class)
    }
}

/// A marker on the map.
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub label: String,
}

/// A partner country with its number of relations on the map, for the labels and the list.
pub struct CountryCount {
    pub code: CountryCode,
    pub name: String,
    pub count: u32,
    /// The middle of its partners on the canvas, where its label goes.
    anchor: (f64, f64),
}

/// Everything the map template draws.
pub struct WorldMap {
    pub countries: &'static [CountryShape],
    pub arcs: Vec<MapArc>,
    pub members: Vec<Marker>,
    pub partners: Vec<Marker>,
    /// Partner countries, the most relations first (then by name in the page's language order).
    pub counts: Vec<CountryCount>,
    /// Labels of the Europe view on wide screens and on phones, and of the world view (the countries outside
    /// the Europe view).
    pub labels_wide: Vec<Label>,
    pub labels_narrow: Vec<Label>,
    pub labels_world: Vec<Label>,
    /// Numeric ids of the countries that have a partner, to shade them.
    partner_countries: Vec<String>,
}

/// One link per relation (already localized), with country names in `lang`.
pub fn links(partnerships: &[Partnership], lang: Lang) -> Vec<MapLink> {
    partnerships
        .iter()
        .map(|p| MapLink {
            from: p.member.location,
            to: p.partner.location,
            label: format!("{} – {}", p.member.name, p.partner.name),
            partnership: Some(p.id.0),
            weight: 1,
            weighted: false,
            member: p.member.name.clone(),
            partner: p.partner.name.clone(),
            country: p.partner.country.clone(),
            country_name: p.partner.country_name.get(lang).to_owned(),
        })
        .collect()
}

/// Partner countries with their relations on the map, the most first, and the numeric ids of their shapes.
fn count_countries(links: &[MapLink], numeric_of: impl Fn(&str) -> Option<String>) -> (Vec<CountryCount>, Vec<String>) {
    let mut partner_countries: Vec<String> = Vec::new();
    // country → (name, count, weighted sum of x, of y)
    let mut by_country: HashMap<&str, (CountryCode, String, u32, f64, f64)> = HashMap::new();
    for l in links {
        let (px, py) = project(l.to);
        let entry = by_country
            .entry(l.country.as_str())
            .or_insert_with(|| (l.country.clone(), l.country_name.clone(), 0, 0.0, 0.0));
        if entry.2 == 0
            && let Some(n) = numeric_of(l.country.as_str())
        {
            partner_countries.push(n);
        }
        entry.2 += l.weight;
        entry.3 += px * f64::from(l.weight);
        entry.4 += py * f64::from(l.weight);
    }
    let mut counts: Vec<CountryCount> = by_country
        .into_values()
        .map(|(code, name, count, sx, sy)| CountryCount {
            code,
            name,
            count,
            anchor: (sx / f64::from(count.max(1)), sy / f64::from(count.max(1))),
        })
        .collect();
    counts.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| ldp_core::text::collation_key(&a.name).cmp(&ldp_core::text::collation_key(&b.name)))
    });
    (counts, partner_countries)
}

/// The marks at the lines' ends: one per member and one per partner point (links ending at one point share it).
fn markers(links: &[MapLink]) -> (Vec<Marker>, Vec<Marker>) {
    let (mut members, mut partners) = (Vec::new(), Vec::new());
    let mut seen_members: HashSet<&str> = HashSet::new();
    // Partner points on a grid of 0.05 canvas units.
    let mut seen_partners: HashSet<(i64, i64)> = HashSet::new();
    for l in links {
        if seen_members.insert(l.member.as_str()) {
            let (x, y) = project(l.from);
            members.push(Marker { x, y, label: l.member.clone() });
        }
        let (x, y) = project(l.to);
        if seen_partners.insert(((x * 20.0).round() as i64, (y * 20.0).round() as i64)) {
            partners.push(Marker { x, y, label: l.partner.clone() });
        }
    }
    (members, partners)
}

impl WorldMap {
    /// The map of `links`; `numeric_of` gives a country's shape id.
    pub fn new(links: &[MapLink], numeric_of: impl Fn(&str) -> Option<String>) -> WorldMap {
        let arcs = links
            .iter()
            .map(|l| MapArc {
                path: if l.weighted { curve_path(l.from, l.to) } else { arc_path(l.from, l.to) },
                partnership: l.partnership,
                label: l.label.clone(),
                weight: l.weighted.then_some(l.weight),
            })
            .collect();
        let (members, partners) = markers(links);
        let (counts, partner_countries) = count_countries(links, numeric_of);
        let texts: Vec<String> = counts.iter().map(|c| format!("{} {}", c.name, c.count)).collect();
        let candidates = |keep: &dyn Fn(&CountryCount) -> bool| -> Vec<labels::Candidate<'_>> {
            counts
                .iter()
                .zip(&texts)
                .filter(|(c, _)| keep(c))
                .map(|(c, t)| labels::Candidate { anchor: c.anchor, text: t, count: c.count })
                .collect()
        };
        let europe = *EUROPE;
        let labels_wide = labels::place(&candidates(&|_| true), europe, LABEL_WIDE);
        let labels_narrow = labels::place(&candidates(&|_| true), europe.slice(PHONE_RATIO), LABEL_NARROW);
        let labels_world = labels::place(&candidates(&|c| !europe.contains(c.anchor)), *WORLD, LABEL_WORLD);
        WorldMap {
            countries: &COUNTRIES,
            arcs,
            members,
            partners,
            counts,
            labels_wide,
            labels_narrow,
            labels_world,
            partner_countries,
        }
    }

    pub fn is_partner_country(&self, id: &str) -> bool {
        self.partner_countries.iter().any(|c| c == id)
    }

    pub fn europe_view_box(&self) -> String {
        EUROPE.view_box()
    }

    pub fn world_view_box(&self) -> String {
        WORLD.view_box()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_has_every_country_shape() {
        assert_eq!(COUNTRIES.len(), 177);
        assert!(COUNTRIES.iter().any(|c| c.id == "792"), "Türkiye is on the map");
    }

    #[test]
    fn northern_cyprus_is_found_by_name() {
        assert_eq!(shape_id("XN", Some("")).as_deref(), Some("N.Cyprus"));
        assert!(COUNTRIES.iter().any(|c| c.id == "N.Cyprus"));
    }

    #[test]
    fn kosovo_is_found_by_name() {
        assert_eq!(shape_id("XK", Some("")).as_deref(), Some("Kosovo"));
        assert!(COUNTRIES.iter().any(|c| c.id == "Kosovo"));
        assert_eq!(shape_id("DE", Some("276")).as_deref(), Some("276"));
    }

    #[test]
    fn the_europe_view_holds_the_union_and_its_neighbours() {
        for (lat, lng) in [(41.0, 29.0), (52.5, 13.4), (43.9, 18.4), (40.4, 49.9), (31.8, 35.2), (33.6, -7.6)] {
            assert!(EUROPE.contains(project(Coordinates { lat, lng })), "{lat},{lng}");
        }
        for (lat, lng) in [(37.6, 127.0), (38.9, -77.0), (42.9, 74.6)] {
            assert!(!EUROPE.contains(project(Coordinates { lat, lng })), "{lat},{lng}");
        }
        // On a phone the middle of the view, Germany to Azerbaijan, stays.
        let phone = EUROPE.slice(PHONE_RATIO);
        for (lat, lng) in [(50.9, 6.9), (41.0, 29.0), (40.4, 49.9)] {
            assert!(phone.contains(project(Coordinates { lat, lng })), "{lat},{lng}");
        }
    }
}

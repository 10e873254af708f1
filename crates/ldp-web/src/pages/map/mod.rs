//! The world map of partnerships, drawn on the server as SVG: Natural Earth countries (world-atlas 110m,
//! pre-projected into `data/world/countries-110m.tsv`) and arcs along great circles from members to partners.
//!
//! The page shows two views of one drawing: Europe and the Middle East, where most partners are, and the
//! whole world beside it. The second view reuses the first one's shapes (`<use>`), so the arcs are sent once.
//! Each view labels its partner countries with their number of relations; the list beside the map gives all.
//!
//! What is drawn are [`MapLink`]s. Today there is one per relation; a map of many more relations can hand in one
//! link per member and partner country instead, with its weight, and nothing else here changes.

mod geometry;
mod labels;

use std::collections::HashMap;
use std::sync::LazyLock;

use ldp_core::domain::partnership::Partnership;
use ldp_core::domain::{Coordinates, CountryCode, Lang};

pub use geometry::{Rect, arc_path, project};
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
    /// What the line's tooltip says, e.g. "Bursa – Darmstadt".
    pub label: String,
    /// The relation drawn, when the link is one relation.
    pub partnership: Option<i64>,
}

/// A drawn arc.
pub struct MapArc {
    pub path: String,
    pub partnership: Option<i64>,
    pub label: String,
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

/// One link per relation.
pub fn links(partnerships: &[Partnership]) -> Vec<MapLink> {
    partnerships
        .iter()
        .map(|p| MapLink {
            from: p.member.location,
            to: p.partner.location,
            label: format!("{} – {}", p.member.name, p.partner.name),
            partnership: Some(p.id.0),
        })
        .collect()
}

impl WorldMap {
    /// The map of `partnerships` (already localized), with country names in `lang`; `numeric_of` gives a
    /// country's shape id.
    pub fn new(partnerships: &[Partnership], lang: Lang, numeric_of: impl Fn(&str) -> Option<String>) -> WorldMap {
        let arcs = links(partnerships)
            .into_iter()
            .map(|l| MapArc { path: arc_path(l.from, l.to), partnership: l.partnership, label: l.label })
            .collect();
        let mut members: Vec<Marker> = Vec::new();
        let mut partners: Vec<Marker> = Vec::new();
        let mut partner_countries: Vec<String> = Vec::new();
        // country → (name, count, sum of x, sum of y)
        let mut by_country: HashMap<&str, (CountryCode, String, u32, f64, f64)> = HashMap::new();
        for p in partnerships {
            let (mx, my) = project(p.member.location);
            if !members.iter().any(|m| m.label == p.member.name) {
                members.push(Marker { x: mx, y: my, label: p.member.name.clone() });
            }
            let (px, py) = project(p.partner.location);
            if !partners.iter().any(|m| (m.x - px).abs() < 0.05 && (m.y - py).abs() < 0.05) {
                partners.push(Marker { x: px, y: py, label: p.partner.name.clone() });
            }
            if let Some(n) = numeric_of(p.partner.country.as_str())
                && !partner_countries.contains(&n)
            {
                partner_countries.push(n);
            }
            let entry = by_country.entry(p.partner.country.as_str()).or_insert_with(|| {
                (p.partner.country.clone(), p.partner.country_name.get(lang).to_owned(), 0, 0.0, 0.0)
            });
            entry.2 += 1;
            entry.3 += px;
            entry.4 += py;
        }
        let mut counts: Vec<CountryCount> = by_country
            .into_values()
            .map(|(code, name, count, sx, sy)| CountryCount {
                code,
                name,
                count,
                anchor: (sx / f64::from(count), sy / f64::from(count)),
            })
            .collect();
        counts.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| ldp_core::text::collation_key(&a.name).cmp(&ldp_core::text::collation_key(&b.name)))
        });
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

//! The world map of partnerships, drawn on the server as SVG: Natural Earth countries (world-atlas 110m,
//! pre-projected into `data/world/countries-110m.tsv`) and great-circle arcs from members to partners.

use std::fmt::Write;
use std::sync::LazyLock;

use ldp_core::domain::Coordinates;
use ldp_core::domain::partnership::Partnership;

/// The canvas the country paths were projected onto (equirectangular).
pub const WIDTH: f64 = 1000.0;
pub const HEIGHT: f64 = 500.0;

/// One country shape: ISO numeric id (or a name for the few without one) and its SVG path.
pub struct CountryShape {
    pub id: String,
    pub path: String,
}

static COUNTRIES: LazyLock<Vec<CountryShape>> = LazyLock::new(|| {
    include_str!("../../../../data/world/countries-110m.tsv")
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let (id, _name, path) = (parts.next()?, parts.next()?, parts.next()?);
            Some(CountryShape { id: id.to_owned(), path: path.to_owned() })
        })
        .collect()
});

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

/// Projects a point onto the canvas.
pub fn project(p: Coordinates) -> (f64, f64) {
    ((p.lng + 180.0) / 360.0 * WIDTH, (90.0 - p.lat) / 180.0 * HEIGHT)
}

/// Points along the great circle from `a` to `b` (spherical linear interpolation).
pub fn great_circle(a: Coordinates, b: Coordinates, steps: usize) -> Vec<Coordinates> {
    let to_vec = |p: Coordinates| {
        let (lat, lng) = (p.lat.to_radians(), p.lng.to_radians());
        [lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin()]
    };
    let (va, vb) = (to_vec(a), to_vec(b));
    let dot = (va[0] * vb[0] + va[1] * vb[1] + va[2] * vb[2]).clamp(-1.0, 1.0);
    let omega = dot.acos();
    if omega < 1e-9 {
        return vec![a, b];
    }
    (0..=steps)
        .map(|i| {
            let t = i as f64 / steps as f64;
            let (wa, wb) = (((1.0 - t) * omega).sin() / omega.sin(), (t * omega).sin() / omega.sin());
            let v = [wa * va[0] + wb * vb[0], wa * va[1] + wb * vb[1], wa * va[2] + wb * vb[2]];
            let lat = v[2].atan2((v[0] * v[0] + v[1] * v[1]).sqrt()).to_degrees();
            let lng = v[1].atan2(v[0]).to_degrees();
            Coordinates { lat, lng }
        })
        .collect()
}

/// The SVG path of an arc, broken where it crosses the antimeridian.
pub fn arc_path(a: Coordinates, b: Coordinates) -> String {
    let mut d = String::new();
    let mut previous: Option<(f64, f64)> = None;
    for p in great_circle(a, b, 48) {
        let (x, y) = project(p);
        let jump = previous.is_some_and(|(px, _)| (x - px).abs() > WIDTH / 2.0);
        let command = if previous.is_none() || jump { 'M' } else { 'L' };
        let _ = write!(d, "{command}{x:.1} {y:.1}");
        previous = Some((x, y));
    }
    d
}

/// A marker on the map.
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub label: String,
}

/// Everything the map template draws.
pub struct WorldMap {
    pub countries: &'static [CountryShape],
    /// (path, partnership id, accessible label)
    pub arcs: Vec<(String, i64, String)>,
    pub members: Vec<Marker>,
    pub partners: Vec<Marker>,
    /// Numeric ids of the countries that have a partner, to shade them.
    pub partner_countries: Vec<String>,
}

impl WorldMap {
    pub fn new(partnerships: &[Partnership], numeric_of: impl Fn(&str) -> Option<String>) -> WorldMap {
        let mut members: Vec<Marker> = Vec::new();
        let mut partners: Vec<Marker> = Vec::new();
        let mut partner_countries: Vec<String> = Vec::new();
        let mut arcs = Vec::with_capacity(partnerships.len());
        for p in partnerships {
            let label = format!("{} – {}", p.member.name, p.partner.name);
            arcs.push((arc_path(p.member.location, p.partner.location), p.id.0, label));
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
        }
        WorldMap { countries: &COUNTRIES, arcs, members, partners, partner_countries }
    }

    pub fn is_partner_country(&self, id: &str) -> bool {
        self.partner_countries.iter().any(|c| c == id)
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
    fn projection_puts_istanbul_on_the_canvas() {
        let (x, y) = project(Coordinates { lat: 41.01, lng: 28.98 });
        assert!((580.0..582.0).contains(&x) && (135.0..137.0).contains(&y), "{x} {y}");
    }

    #[test]
    fn arcs_follow_great_circles_and_split_at_the_antimeridian() {
        let istanbul = Coordinates { lat: 41.0, lng: 29.0 };
        let tokyo = Coordinates { lat: 35.7, lng: 139.7 };
        let path = arc_path(istanbul, tokyo);
        assert!(path.starts_with('M') && path.matches('M').count() == 1);
        // The great circle bends north of both cities.
        let mid = great_circle(istanbul, tokyo, 2)[1];
        assert!(mid.lat > 41.0, "{mid:?}");
        let honolulu = Coordinates { lat: 21.3, lng: -157.9 };
        assert_eq!(arc_path(tokyo, honolulu).matches('M').count(), 2, "crossing 180° starts a new segment");
    }
}

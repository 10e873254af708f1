//! Where things go on the map's canvas: the equirectangular projection the Natural Earth paths were made with,
//! great circles between two places, and the rectangles of the map's views.

use std::fmt::Write;

use ldp_core::domain::Coordinates;

/// The canvas the country paths were projected onto (equirectangular).
pub const WIDTH: f64 = 1000.0;
pub const HEIGHT: f64 = 500.0;

/// Projects a point onto the canvas.
pub fn project(p: Coordinates) -> (f64, f64) {
    ((p.lng + 180.0) / 360.0 * WIDTH, (90.0 - p.lat) / 180.0 * HEIGHT)
}

/// A rectangle of the canvas, in canvas units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    /// The rectangle between two meridians and two parallels.
    pub fn lng_lat(west: f64, east: f64, south: f64, north: f64) -> Rect {
        let (x0, y0) = project(Coordinates { lat: north, lng: west });
        let (x1, y1) = project(Coordinates { lat: south, lng: east });
        Rect { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
    }

    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        (self.x..=self.x + self.w).contains(&x) && (self.y..=self.y + self.h).contains(&y)
    }

    pub fn holds(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.x + other.w <= self.x + self.w
            && other.y + other.h <= self.y + self.h
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }

    /// The middle part of this rectangle with the given width-to-height ratio: what `preserveAspectRatio="xMidYMid
    /// slice"` shows when the drawing is laid out at that ratio.
    pub fn slice(&self, ratio: f64) -> Rect {
        if self.w / self.h > ratio {
            let w = self.h * ratio;
            Rect { x: self.x + (self.w - w) / 2.0, w, ..*self }
        } else {
            let h = self.w / ratio;
            Rect { y: self.y + (self.h - h) / 2.0, h, ..*self }
        }
    }

    /// The value of an SVG `viewBox` attribute.
    pub fn view_box(&self) -> String {
        format!("{:.1} {:.1} {:.1} {:.1}", self.x, self.y, self.w, self.h)
    }
}

/// Points along the great circle from `a` to `b` (spherical linear interpolation).
pub fn great_circle(a: Coordinates, b: Coordinates, steps: usize) -> Vec<Coordinates> {
    let (va, vb) = (unit_vector(a), unit_vector(b));
    let omega = angle(va, vb);
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

fn unit_vector(p: Coordinates) -> [f64; 3] {
    let (lat, lng) = (p.lat.to_radians(), p.lng.to_radians());
    [lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin()]
}

fn angle(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0).acos()
}

/// Segments for an arc: one per 3 degrees of it, between 2 and 48. Most relations are within Europe, where a
/// few segments already follow the curve; a fixed 48 made the page several times larger for nothing.
fn steps_for(a: Coordinates, b: Coordinates) -> usize {
    let degrees = angle(unit_vector(a), unit_vector(b)).to_degrees();
    ((degrees / 3.0).ceil() as usize).clamp(2, 48)
}

/// The SVG path of the arc from `a` to `b`, broken where it crosses the antimeridian.
pub fn arc_path(a: Coordinates, b: Coordinates) -> String {
    let mut d = String::new();
    let mut previous: Option<(f64, f64)> = None;
    for p in great_circle(a, b, steps_for(a, b)) {
        let (x, y) = project(p);
        let jump = previous.is_some_and(|(px, _)| (x - px).abs() > WIDTH / 2.0);
        let command = if previous.is_none() || jump { 'M' } else { 'L' };
        let _ = write!(d, "{command}{x:.1} {y:.1}");
        previous = Some((x, y));
    }
    d
}

/// A lighter drawing of the arc from `a` to `b` for maps of many arcs: one quadratic curve through the great
/// circle's middle (about 35 bytes instead of up to 48 segments), or the broken great circle when it crosses the
/// antimeridian.
pub fn curve_path(a: Coordinates, b: Coordinates) -> String {
    let points = great_circle(a, b, 2);
    let [p0, mid, p2] = [points[0], points[points.len() / 2], points[points.len() - 1]].map(project);
    let crosses = (p0.0 - mid.0).abs() > WIDTH / 2.0 || (mid.0 - p2.0).abs() > WIDTH / 2.0;
    if crosses {
        return arc_path(a, b);
    }
    // The control point that puts the curve's middle (t = 1/2) on the great circle's middle.
    let (cx, cy) = (2.0 * mid.0 - (p0.0 + p2.0) / 2.0, 2.0 * mid.1 - (p0.1 + p2.1) / 2.0);
    format!("M{:.1} {:.1}Q{cx:.1} {cy:.1} {:.1} {:.1}", p0.0, p0.1, p2.0, p2.1)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn short_arcs_take_few_points_and_long_ones_more() {
        let istanbul = Coordinates { lat: 41.0, lng: 29.0 };
        let sofia = Coordinates { lat: 42.7, lng: 23.3 };
        let seoul = Coordinates { lat: 37.6, lng: 127.0 };
        let points = |d: String| d.matches(['M', 'L']).count();
        assert_eq!(points(arc_path(istanbul, sofia)), 3);
        assert!((25..=40).contains(&points(arc_path(istanbul, seoul))), "{}", arc_path(istanbul, seoul));
    }

    #[test]
    fn a_curve_passes_through_the_great_circles_middle() {
        let istanbul = Coordinates { lat: 41.0, lng: 29.0 };
        let tokyo = Coordinates { lat: 35.7, lng: 139.7 };
        let d = curve_path(istanbul, tokyo);
        assert!(d.starts_with('M') && d.contains('Q') && d.len() < 40, "{d}");
        let honolulu = Coordinates { lat: 21.3, lng: -157.9 };
        assert_eq!(curve_path(tokyo, honolulu).matches('M').count(), 2, "crossing 180° falls back to the segments");
    }

    #[test]
    fn a_slice_keeps_the_middle_at_the_asked_ratio() {
        let r = Rect { x: 0.0, y: 0.0, w: 200.0, h: 100.0 };
        assert_eq!(r.slice(1.0), Rect { x: 50.0, y: 0.0, w: 100.0, h: 100.0 });
        assert_eq!(r.slice(4.0), Rect { x: 0.0, y: 25.0, w: 200.0, h: 50.0 });
        assert!(r.holds(&r.slice(4.0 / 3.0)));
    }
}

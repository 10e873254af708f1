//! Country labels ("Almanya 29") placed on a view of the map without overlapping one another.
//!
//! The server cannot measure text, so a label's box is estimated from its length, generously (a wide font), and
//! labels are placed greedily: the country with the most relations first, each at the first of a few spots
//! around its anchor that stays inside the view and clear of the labels already placed. A country whose label
//! does not fit is still counted in the list beside the map.

use super::geometry::Rect;

/// Width of an average character as a share of the font size (DejaVu Sans semi-bold, rounded up).
const CHAR_WIDTH: f64 = 0.62;

/// What a label says and where it belongs.
pub struct Candidate<'a> {
    /// Where the country's partners are, on the canvas.
    pub anchor: (f64, f64),
    pub text: &'a str,
    pub count: u32,
}

/// A placed label: `x` is its middle (`text-anchor="middle"`), `y` its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

/// The box a label of `text` takes with its middle at `x` and its baseline at `y`.
fn text_box(text: &str, size: f64, x: f64, y: f64) -> Rect {
    let w = text.chars().count() as f64 * CHAR_WIDTH * size;
    Rect { x: x - w / 2.0, y: y - 0.85 * size, w, h: 1.1 * size }
}

/// Places as many labels as fit in `area` at font size `size` (canvas units), the largest counts first.
pub fn place(candidates: &[Candidate<'_>], area: Rect, size: f64) -> Vec<Label> {
    let mut order: Vec<&Candidate<'_>> = candidates.iter().filter(|c| area.contains(c.anchor)).collect();
    order.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(b.text)));
    let mut placed: Vec<(Rect, Label)> = Vec::new();
    for c in order {
        let (ax, ay) = c.anchor;
        let half = c.text.chars().count() as f64 * CHAR_WIDTH * size / 2.0;
        // Above, below, right of and left of the anchor.
        let spots = [
            (ax, ay - 0.45 * size),
            (ax, ay + 1.15 * size),
            (ax + half + 0.4 * size, ay + 0.3 * size),
            (ax - half - 0.4 * size, ay + 0.3 * size),
        ];
        let free = spots
            .into_iter()
            .map(|(x, y)| (text_box(c.text, size, x, y), x, y))
            .find(|(b, _, _)| area.holds(b) && !placed.iter().any(|(other, _)| other.overlaps(b)));
        if let Some((b, x, y)) = free {
            placed.push((b, Label { x, y, text: c.text.to_owned() }));
        }
    }
    placed.into_iter().map(|(_, l)| l).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(labels: &[Label], size: f64) -> Vec<Rect> {
        labels.iter().map(|l| text_box(&l.text, size, l.x, l.y)).collect()
    }

    #[test]
    fn labels_never_overlap_and_the_largest_counts_win() {
        let area = Rect { x: 0.0, y: 0.0, w: 100.0, h: 50.0 };
        let candidates = [
            Candidate { anchor: (50.0, 25.0), text: "Almanya 29", count: 29 },
            Candidate { anchor: (51.0, 25.0), text: "Avusturya 3", count: 3 },
            Candidate { anchor: (52.0, 26.0), text: "Bosna Hersek 43", count: 43 },
            Candidate { anchor: (50.5, 25.5), text: "İsviçre 2", count: 2 },
            Candidate { anchor: (51.5, 24.5), text: "Çekya 1", count: 1 },
        ];
        let labels = place(&candidates, area, 4.0);
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(&texts[..2], ["Bosna Hersek 43", "Almanya 29"], "{texts:?}");
        assert!(texts.len() < candidates.len(), "five labels on one spot cannot all fit: {texts:?}");
        let b = boxes(&labels, 4.0);
        for (i, x) in b.iter().enumerate() {
            assert!(area.holds(x), "{:?} leaves the view", labels[i]);
            for y in &b[i + 1..] {
                assert!(!x.overlaps(y), "{x:?} overlaps {y:?}");
            }
        }
    }

    #[test]
    fn a_country_outside_the_view_gets_no_label_there() {
        let area = Rect { x: 0.0, y: 0.0, w: 100.0, h: 50.0 };
        let far = [Candidate { anchor: (150.0, 25.0), text: "Japonya 7", count: 7 }];
        assert!(place(&far, area, 4.0).is_empty());
    }

    #[test]
    fn a_label_at_the_edge_moves_inside() {
        let area = Rect { x: 0.0, y: 0.0, w: 100.0, h: 50.0 };
        let top = [Candidate { anchor: (50.0, 1.0), text: "Finlandiya 1", count: 1 }];
        let labels = place(&top, area, 4.0);
        assert_eq!(labels.len(), 1);
        assert!(labels[0].y > 1.0, "placed below the anchor: {:?}", labels[0]);
    }
}

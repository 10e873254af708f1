//! A certificate of attendance as a one-page A4 PDF (landscape), in Turkish or English, written with
//! pdf-writer. The text is set in DejaVu Sans (regular and bold, `assets/fonts/`, its licence beside them),
//! which has every Turkish letter. Each face is embedded as a TrueType subset of the glyphs the page uses
//! (subsetter), as a Type 0 font with Identity-H encoding and a ToUnicode map, so readers can search and copy
//! the text; every stream is compressed.

use std::collections::BTreeMap;
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use skrifa::charmap::Charmap;
use skrifa::metrics::{GlyphMetrics, Metrics};
use skrifa::prelude::{FontRef, GlyphId, LocationRef, MetadataProvider, Size};

use ldp_core::domain::Lang;
use ldp_core::domain::certificate::Certificate;

use crate::i18n::{self, ISTANBUL};

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 landscape, in points.
const WIDTH: f32 = 841.89;
const HEIGHT: f32 = 595.28;
const MARGIN: f32 = 64.0;
/// The ink: a dark blue.
const INK: (f32, f32, f32) = (0.08, 0.16, 0.31);

/// One face as the page uses it: the glyphs it needs, renumbered for the subset.
struct FaceUse {
    bytes: &'static [u8],
    /// The PDF name (a subset tag and the font's name).
    name: &'static [u8],
    resource: &'static [u8],
    charmap: Charmap<'static>,
    advances: GlyphMetrics<'static>,
    metrics: Metrics,
    remapper: subsetter::GlyphRemapper,
    /// New glyph id → (old glyph id, the text it shows).
    glyphs: BTreeMap<u16, (u16, char)>,
}

impl FaceUse {
    fn new(bytes: &'static [u8], name: &'static [u8], resource: &'static [u8]) -> Result<FaceUse, String> {
        let font = FontRef::new(bytes).map_err(|e| format!("the certificate font: {e}"))?;
        // Unscaled: every measure in the font's own units, as the PDF's widths need them (then scaled to 1000).
        let location = LocationRef::default();
        Ok(FaceUse {
            bytes,
            name,
            resource,
            charmap: font.charmap(),
            advances: font.glyph_metrics(Size::unscaled(), location),
            metrics: font.metrics(Size::unscaled(), location),
            remapper: subsetter::GlyphRemapper::new(),
            glyphs: BTreeMap::new(),
        })
    }

    fn scale(&self) -> f32 {
        1000.0 / f32::from(self.metrics.units_per_em)
    }

    /// The glyph that shows `c` in the font (0, the missing glyph, when it has none).
    fn glyph(&self, c: char) -> u16 {
        self.charmap.map(c).and_then(|g| u16::try_from(g.to_u32()).ok()).unwrap_or(0)
    }

    /// A glyph's advance width in font units.
    fn advance(&self, glyph: u16) -> f32 {
        self.advances.advance_width(GlyphId::new(u32::from(glyph))).unwrap_or(0.0)
    }

    /// The width of `text` at `size` points, from the advance widths.
    fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text.chars().map(|c| self.advance(self.glyph(c))).sum();
        units * self.scale() / 1000.0 * size
    }

    /// `text` as two-byte glyph ids of the subset (Identity-H), noting each glyph used.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let old = self.glyph(c);
            let new = self.remapper.remap(old);
            self.glyphs.entry(new).or_insert((old, c));
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// Splits `text` into lines no wider than `max` points.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if !line.is_empty() && self.width(&candidate, size) > max {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Writes the Type 0 font, its CID font, descriptor, subset font file and ToUnicode map at `ids`.
    fn write(&self, pdf: &mut Pdf, ids: [Ref; 5]) -> Result<(), String> {
        let [type0, cid, descriptor, file, cmap] = ids;
        let info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
        pdf.type0_font(type0)
            .base_font(Name(self.name))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let scale = self.scale();
        let advance = |old: u16| self.advance(old) * scale;
        let widths: Vec<f32> = (0..self.remapper.num_gids())
            .map(|new| self.glyphs.get(&new).map_or_else(|| advance(0), |(old, _)| advance(*old)))
            .collect();
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2)
            .base_font(Name(self.name))
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        font.widths().consecutive(0, widths);
        font.finish();
        let b = self.metrics.bounds.unwrap_or_default();
        let s = |v: f32| v * scale;
        pdf.font_descriptor(descriptor)
            .name(Name(self.name))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(s(b.x_min), s(b.y_min), s(b.x_max), s(b.y_max)))
            .italic_angle(0.0)
            .ascent(s(self.metrics.ascent))
            .descent(s(self.metrics.descent))
            .cap_height(s(self.metrics.cap_height.unwrap_or(self.metrics.ascent)))
            .stem_v(80.0)
            .font_file2(file);
        let subset = subsetter::subset(self.bytes, 0, &self.remapper).map_err(|e| format!("font subset: {e}"))?;
        pdf.stream(file, &deflate(&subset)?).filter(Filter::FlateDecode);
        let mut map = UnicodeCmap::new(Name(b"Custom"), info);
        for (new, (_, c)) in &self.glyphs {
            map.pair(*new, *c);
        }
        pdf.cmap(cmap, &deflate(&map.finish())?).filter(Filter::FlateDecode);
        Ok(())
    }
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

/// Hours as people write them: `8`, `7,5` / `7.5`.
pub fn hours_text(lang: Lang, hours: f64) -> String {
    let text = if hours.fract() == 0.0 { format!("{hours:.0}") } else { format!("{hours}") };
    if lang == Lang::Tr { text.replace('.', ",") } else { text }
}

/// The training's dates in Istanbul: one day, or the first and the last.
pub fn dates_text(lang: Lang, certificate: &Certificate) -> String {
    let first = certificate.training.starts_at.to_offset(ISTANBUL).date();
    let last = certificate.training.ends_at.to_offset(ISTANBUL).date();
    if first == last {
        i18n::date(lang, first)
    } else {
        format!("{} – {}", i18n::date(lang, first), i18n::date(lang, last))
    }
}

/// The page's text, centred line by line, from the top down.
struct Page {
    content: Content,
    regular: FaceUse,
    bold: FaceUse,
}

impl Page {
    /// Draws `text` centred with its top line's baseline `y` points below the page's top; returns the
    /// baseline of the line after it.
    fn centred(&mut self, bold: bool, size: f32, text: &str, y: f32) -> f32 {
        let face = if bold { &mut self.bold } else { &mut self.regular };
        let mut y = y;
        for line in face.wrap(text, size, WIDTH - 2.0 * MARGIN) {
            let x = (WIDTH - face.width(&line, size)) / 2.0;
            let glyphs = face.encode(&line);
            self.content.begin_text();
            self.content.set_font(Name(face.resource), size);
            self.content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, HEIGHT - y]);
            self.content.show(Str(&glyphs));
            self.content.end_text();
            y += size * 1.35;
        }
        y
    }
}

/// The certificate in `lang`, naming `verify_url` (the public verification page) and the union.
pub fn render(certificate: &Certificate, lang: Lang, union: &str, verify_url: &str) -> Result<Vec<u8>, String> {
    let t = |key: &str| i18n::t(lang, key);
    let mut page = Page {
        content: Content::new(),
        regular: FaceUse::new(REGULAR, b"LDPAAA+DejaVuSans", b"F1")?,
        bold: FaceUse::new(BOLD, b"LDPAAB+DejaVuSans-Bold", b"F2")?,
    };
    page.content.set_stroke_rgb(INK.0, INK.1, INK.2);
    for (inset, width) in [(24.0_f32, 2.5_f32), (32.0, 0.8)] {
        page.content.set_line_width(width);
        page.content.rect(inset, inset, WIDTH - 2.0 * inset, HEIGHT - 2.0 * inset).stroke();
    }
    page.content.set_fill_rgb(INK.0, INK.1, INK.2);
    let mut y = page.centred(false, 13.0, union, 110.0);
    y = page.centred(true, 30.0, &t("cert-pdf-heading"), y + 28.0);
    y = page.centred(false, 14.0, &t("cert-pdf-certifies"), y + 18.0);
    y = page.centred(true, 26.0, &certificate.name, y + 12.0);
    y = page.centred(false, 14.0, &t("cert-pdf-attended"), y + 8.0);
    y = page.centred(true, 18.0, certificate.training.title.get(lang), y + 8.0);
    let dates = format!("{}: {}", t("cert-dates"), dates_text(lang, certificate));
    y = page.centred(false, 12.0, &dates, y + 14.0);
    let hours = format!(
        "{}: {} / {} {}",
        t("cert-hours"),
        hours_text(lang, certificate.hours()),
        hours_text(lang, certificate.total_hours()),
        t("cert-hours-unit")
    );
    y = page.centred(false, 12.0, &hours, y);
    let topics: Vec<String> =
        certificate.training.topics.iter().map(|tp| t(&format!("event-topic-{}", tp.as_str()))).collect();
    if !topics.is_empty() {
        y = page.centred(false, 12.0, &format!("{}: {}", t("cert-topics"), topics.join(", ")), y);
    }
    let issued = i18n::date(lang, certificate.issued_at.to_offset(ISTANBUL).date());
    page.centred(false, 12.0, &format!("{}: {issued}", t("cert-issued")), y);
    page.centred(false, 10.0, &format!("{}: {}", t("cert-code"), certificate.code), HEIGHT - 92.0);
    page.centred(false, 10.0, &format!("{}: {verify_url}", t("cert-verify-at")), HEIGHT - 78.0);
    assemble(page, &format!("{}: {}", t("cert-pdf-heading"), certificate.name), lang)
}

/// The document around the page: catalog, page tree, fonts, information.
fn assemble(page: Page, title: &str, lang: Lang) -> Result<Vec<u8>, String> {
    let mut next = 0;
    let mut id = || {
        next += 1;
        Ref::new(next)
    };
    let (catalog, tree, page_id, content, info) = (id(), id(), id(), id(), id());
    let regular_ids = [id(), id(), id(), id(), id()];
    let bold_ids = [id(), id(), id(), id(), id()];
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree).lang(TextStr(lang.code()));
    pdf.pages(tree).kids([page_id]).count(1);
    let mut p = pdf.page(page_id);
    p.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT)).parent(tree).contents(content);
    p.resources().fonts().pair(Name(page.regular.resource), regular_ids[0]).pair(Name(page.bold.resource), bold_ids[0]);
    p.finish();
    pdf.stream(content, &deflate(&page.content.finish())?).filter(Filter::FlateDecode);
    page.regular.write(&mut pdf, regular_ids)?;
    page.bold.write(&mut pdf, bold_ids)?;
    pdf.document_info(info).title(TextStr(title)).creator(TextStr("ldp"));
    Ok(pdf.finish())
}

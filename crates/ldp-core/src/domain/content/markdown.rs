//! Markdown to safe HTML: pulldown-cmark renders what the staff wrote (raw HTML included, as CommonMark
//! allows) and ammonia then keeps only an allow-list of tags, attributes and URL schemes, so whatever a
//! text holds, the page gets no script, event handler, style or `javascript:` link.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
use std::sync::LazyLock;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// One sanitiser for the process: ammonia's defaults (no `script`, `style`, `iframe`, `form`, event
/// attributes or `style` attributes; links limited to http, https, mailto and the like, given
/// `rel="noopener noreferrer"`), with headings shifted below the page's own `h1`.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.rm_tags(["h1"]).url_schemes(["http", "https", "mailto"].into_iter().collect());
    b
});

/// The HTML of `markdown`, sanitised. A `# heading` becomes an `h2`, since the page's title is its `h1`.
pub fn render_markdown(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Start(Tag::Heading { level: pulldown_cmark::HeadingLevel::H1, id, classes, attrs }) => {
            Event::Start(Tag::Heading { level: pulldown_cmark::HeadingLevel::H2, id, classes, attrs })
        }
        Event::End(TagEnd::Heading(pulldown_cmark::HeadingLevel::H1)) => {
            Event::End(TagEnd::Heading(pulldown_cmark::HeadingLevel::H2))
        }
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    SANITISER.clean(&unsafe_html).to_string()
}

/// The plain text of the first paragraph (for a lead or a page's description), without markup.
pub fn first_paragraph_text(markdown: &str) -> String {
    let mut text = String::new();
    let mut inside = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) if inside => break,
            Event::Text(t) | Event::Code(t) if inside => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if inside => text.push(' '),
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_paragraphs_lists_and_links() {
        let html = render_markdown("# Başlık\n\nBir *paragraf*.\n\n- bir\n- iki\n\n[MBB](https://marmara.gov.tr)");
        assert!(html.contains("<h2>Başlık</h2>"), "{html}");
        assert!(html.contains("<em>paragraf</em>"), "{html}");
        assert!(html.contains("<li>bir</li>"), "{html}");
        assert!(html.contains("href=\"https://marmara.gov.tr\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
    }

    #[test]
    fn the_first_paragraph_is_plain_text() {
        assert_eq!(first_paragraph_text("## Başlık\n\nİlk *satır*\nsürer.\n\nİkinci."), "İlk satır sürer.");
        assert_eq!(first_paragraph_text(""), "");
    }
}

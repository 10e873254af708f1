//! schema.org descriptions as JSON-LD: the union as an `Organization` on the home page, each member as a
//! `GovernmentOrganization` on its page. (Events describe themselves: `pages/events.rs`.)

use serde_json::{Value, json};

use ldp_core::domain::{Lang, Municipality, MunicipalityKind, MunicipalityProfile, Union};

/// `value` as the text of a `<script type="application/ld+json">` element: `<`, `>` and `&` written as
/// JSON escapes, so no text can close the element (`</script>`) or open a comment; JSON reads it the same.
pub fn script_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The union as a schema.org `Organization`: its names, website, founding date, seat, and `sameAs` the
/// other pages about it that its record cites (its sources, without its own website).
pub fn organization(union: &Union, lang: Lang) -> Value {
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": union.name.get(lang),
        "alternateName": union.acronym.get(lang),
        "url": union.website,
        "foundingDate": union.founded.to_string(),
        "address": { "@type": "PostalAddress", "addressLocality": union.seat, "addressCountry": "TR" },
    });
    let same_as = same_as(union);
    if !same_as.is_empty() {
        doc["sameAs"] = json!(same_as);
    }
    doc
}

/// The addresses in the union's source note that are not its own website (another host than it, `www.`
/// aside): pages about the union elsewhere, such as its encyclopaedia article.
fn same_as(union: &Union) -> Vec<String> {
    let own = host(&union.website);
    let mut found: Vec<String> = union
        .source
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .map(|w| w.trim_end_matches(['.', ')']))
        .filter(|w| w.starts_with("https://") || w.starts_with("http://"))
        .filter(|w| own.is_none() || host(w) != own)
        .map(str::to_owned)
        .collect();
    found.dedup();
    found
}

/// The host of an `http(s)` address, lower case, without a leading `www.`.
fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").map(str::to_owned).unwrap_or(host))
}

/// A member municipality as a schema.org `GovernmentOrganization`: its official name, where it is (the
/// district or province and the province), its website when its profile gives one, and its membership of
/// the union.
pub fn government_organization(
    m: &Municipality,
    profile: &MunicipalityProfile,
    union: Option<&Union>,
    page_url: &str,
    lang: Lang,
) -> Value {
    let locality = match m.kind {
        MunicipalityKind::District => m.place_name(),
        _ => m.province.name.clone(),
    };
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "name": m.official_name().get(lang),
        "mainEntityOfPage": page_url,
        "address": {
            "@type": "PostalAddress",
            "addressLocality": locality,
            "addressRegion": m.province.name,
            "addressCountry": "TR",
        },
    });
    let website = profile.website.trim();
    if website.starts_with("https://") || website.starts_with("http://") {
        doc["url"] = json!(website);
    }
    if let Some(u) = union {
        doc["memberOf"] = json!({ "@type": "Organization", "name": u.name.get(lang), "url": u.website });
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldp_core::domain::Localized;

    fn union(source: &str) -> Union {
        Union {
            name: Localized::new("Marmara Belediyeler Birliği", "Marmara Municipalities Union"),
            acronym: Localized::new("MBB", "MMU"),
            founded: time::macros::date!(1975 - 04 - 25),
            seat: "İstanbul".into(),
            website: "https://marmara.gov.tr".into(),
            source: source.into(),
        }
    }

    #[test]
    fn same_as_names_the_cited_pages_other_than_the_website() {
        let u = union(
            "https://en.wikipedia.org/wiki/Marmara_Municipalities_Union (founded); https://www.marmara.gov.tr (seat)",
        );
        assert_eq!(same_as(&u), vec!["https://en.wikipedia.org/wiki/Marmara_Municipalities_Union".to_owned()]);
        assert!(same_as(&union("the union's own annual report")).is_empty());
    }

    #[test]
    fn script_text_cannot_close_its_element() {
        let text = script_json(&json!({ "name": "</script><script>alert(1)</script> & <!--" }));
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script> & <!--");
    }

    #[test]
    fn the_union_is_an_organization_in_the_page_language() {
        let doc = organization(&union(""), Lang::En);
        assert_eq!(doc["@type"], "Organization");
        assert_eq!(doc["name"], "Marmara Municipalities Union");
        assert_eq!(doc["foundingDate"], "1975-04-25");
        assert!(doc.get("sameAs").is_none());
    }
}

//! What an anonymous response depends on, and the query written one way.

use axum::http::Uri;
use ldp_core::feed::Versions;
use url::form_urlencoded;

/// What a cached response answers: the data versions and the Istanbul date it was rendered at, and the
/// request's path (whose first segment is the language: a Turkish entry never answers an English request)
/// and normalised query.
///
/// Nothing else a request carries changes an anonymous response: no public route reads `Accept-Language`
/// except `/`, which redirects (never kept), and no response is compressed, so `Accept-Encoding` does not
/// matter. A response that says otherwise with a `Vary` header is not kept ([`super::entry`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    versions: Versions,
    day: time::Date,
    path: String,
    query: String,
}

impl Key {
    /// The key of a request for `uri` (already [normalised](normalised_query)).
    pub fn new(versions: Versions, day: time::Date, uri: &Uri) -> Key {
        Key { versions, day, path: uri.path().to_owned(), query: uri.query().unwrap_or("").to_owned() }
    }

    pub fn versions(&self) -> Versions {
        self.versions
    }

    /// The address this key answers, `path?query`.
    pub fn address(&self) -> String {
        if self.query.is_empty() { self.path.clone() } else { format!("{}?{}", self.path, self.query) }
    }

    /// Bytes the key holds, for the cache's weigher.
    pub fn weight(&self) -> usize {
        std::mem::size_of::<Key>() + self.path.len() + self.query.len()
    }
}

/// The query with its parameters sorted by name (a repeated name keeps its values' order, which a list
/// filter may read) and each part percent-encoded one way, so `?b=2&a=1` and `?a=1&b=%32` share an entry.
/// Empty parameters are kept: `?page=` may be refused where no `page` is not, so dropping them could change
/// the answer.
pub fn normalised_query(raw: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// `uri` with its query [normalised](normalised_query), or `None` when it already is.
pub fn normalised_uri(uri: &Uri) -> Option<Uri> {
    let raw = uri.query()?;
    let query = normalised_query(raw);
    if query == raw {
        return None;
    }
    let address = if query.is_empty() { uri.path().to_owned() } else { format!("{}?{query}", uri.path()) };
    address.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_sorted_and_encoded_one_way() {
        assert_eq!(normalised_query("b=2&a=1"), "a=1&b=2");
        assert_eq!(normalised_query("a=%31&b=2"), "a=1&b=2");
        assert_eq!(normalised_query("q=M%C3%BCnih&kind="), "kind=&q=M%C3%BCnih");
        assert_eq!(normalised_query("sdg=3&kind=x&sdg=1"), "kind=x&sdg=3&sdg=1", "values of one name keep their order");
        assert_eq!(normalised_query("q=a%26b+c"), "q=a%26b+c");
        assert_eq!(normalised_query(""), "");
    }

    #[test]
    fn only_a_query_written_another_way_is_rewritten() {
        let uri: Uri = "/tr/partnerships?stage=active&kind=sister_city".parse().unwrap();
        assert_eq!(normalised_uri(&uri).unwrap(), "/tr/partnerships?kind=sister_city&stage=active");
        assert_eq!(normalised_uri(&"/tr/partnerships?kind=x&stage=y".parse().unwrap()), None);
        assert_eq!(normalised_uri(&"/tr/".parse().unwrap()), None);
        assert_eq!(normalised_uri(&"/tr/?".parse().unwrap()), None);
    }

    #[test]
    fn the_language_is_part_of_the_key() {
        let day = time::macros::date!(2026 - 12 - 02);
        let tr = Key::new(Versions::default(), day, &"/tr/sdgs".parse().unwrap());
        let en = Key::new(Versions::default(), day, &"/en/sdgs".parse().unwrap());
        assert_ne!(tr, en);
    }
}

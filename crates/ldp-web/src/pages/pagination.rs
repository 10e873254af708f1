//! Page links for long lists: first, last, and a window around the current page.

use ldp_core::domain::Paged;

/// One link in the pagination bar; `None` as href marks a gap (…).
pub struct PageLink {
    pub number: u32,
    pub href: Option<String>,
    pub current: bool,
}

pub struct Pagination {
    pub links: Vec<PageLink>,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub last: u32,
}

impl Pagination {
    /// Builds the bar for `paged`; `href(n)` gives the address of page `n` with the current filters.
    pub fn new<T>(paged: &Paged<T>, href: impl Fn(u32) -> String) -> Pagination {
        let last = paged.last_page();
        let page = paged.page.min(last);
        let mut links = Vec::new();
        let mut previous_shown = 0;
        for n in 1..=last {
            if n == 1 || n == last || n.abs_diff(page) <= 2 {
                if n > previous_shown + 1 {
                    links.push(PageLink { number: 0, href: None, current: false });
                }
                links.push(PageLink { number: n, href: Some(href(n)), current: n == page });
                previous_shown = n;
            }
        }
        Pagination {
            previous: (page > 1).then(|| href(page - 1)),
            next: (page < last).then(|| href(page + 1)),
            links,
            last,
        }
    }

    pub fn is_needed(&self) -> bool {
        self.last > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldp_core::domain::Page;

    #[test]
    fn window_has_gaps_and_ends() {
        let paged: Paged<u8> = Paged::new(vec![], Page::parse(Some(5), Some(10)).unwrap(), 200);
        let p = Pagination::new(&paged, |n| format!("?page={n}"));
        let numbers: Vec<u32> = p.links.iter().map(|l| l.number).collect();
        assert_eq!(numbers, [1, 0, 3, 4, 5, 6, 7, 0, 20]);
        assert_eq!(p.previous.as_deref(), Some("?page=4"));
        assert_eq!(p.next.as_deref(), Some("?page=6"));
    }
}

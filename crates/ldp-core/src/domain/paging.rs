//! Bounded pagination: every list in the platform is read a page at a time.

use serde::Serialize;
use utoipa::ToSchema;

use super::InputError;

/// A requested page: a 1-based number and a size between 1 and [`Page::MAX_SIZE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    number: u32,
    size: u32,
}

impl Page {
    pub const MAX_SIZE: u32 = 100;
    pub const DEFAULT_SIZE: u32 = 25;
    /// The highest page number accepted, so that offsets stay far inside `i64`.
    pub const MAX_NUMBER: u32 = 1_000_000;

    /// Builds a page from optional query values, refusing zero, negative or oversized values.
    pub fn parse(number: Option<i64>, size: Option<i64>) -> Result<Page, InputError> {
        let mut errors = InputError::default();
        let number = match number {
            None => 1,
            Some(n) if (1..=i64::from(Self::MAX_NUMBER)).contains(&n) => n as u32,
            Some(_) => {
                errors.add("page", "page_out_of_range");
                1
            }
        };
        let size = match size {
            None => Self::DEFAULT_SIZE,
            Some(s) if (1..=i64::from(Self::MAX_SIZE)).contains(&s) => s as u32,
            Some(_) => {
                errors.add("per_page", "per_page_out_of_range");
                Self::DEFAULT_SIZE
            }
        };
        if errors.is_empty() { Ok(Page { number, size }) } else { Err(errors) }
    }

    pub fn first(size: u32) -> Page {
        Page { number: 1, size: size.clamp(1, Self::MAX_SIZE) }
    }

    pub fn number(self) -> u32 {
        self.number
    }

    pub fn size(self) -> u32 {
        self.size
    }

    pub fn offset(self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.size)
    }

    pub fn limit(self) -> i64 {
        i64::from(self.size)
    }
}

impl Default for Page {
    fn default() -> Self {
        Page { number: 1, size: Self::DEFAULT_SIZE }
    }
}

/// One page of a list, with what a client needs to ask for the others.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, page: Page, total: u64) -> Self {
        Paged { items, page: page.number(), per_page: page.size(), total }
    }

    /// The number of the last page (1 for an empty list).
    pub fn last_page(&self) -> u32 {
        let per = u64::from(self.per_page.max(1));
        (self.total.div_ceil(per)).max(1) as u32
    }

    /// Whether the requested page lies beyond the last one.
    pub fn is_past_end(&self) -> bool {
        self.page > self.last_page()
    }
}

/// One page of a list read without counting the whole list (a search over a large table): the store reads
/// one row more than the page holds to know whether another page follows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageSlice<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    /// Whether page `page + 1` has items.
    pub has_next: bool,
}

impl<T> PageSlice<T> {
    /// The page from up to `page.limit() + 1` rows read for it: the extra row only says that more follow.
    pub fn from_rows(mut rows: Vec<T>, page: Page) -> Self {
        let has_next = rows.len() > page.size() as usize;
        rows.truncate(page.size() as usize);
        PageSlice { items: rows, page: page.number(), per_page: page.size(), has_next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_bounds_are_enforced() {
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(Some(-3), None).is_err());
        assert!(Page::parse(None, Some(0)).is_err());
        assert!(Page::parse(None, Some(101)).is_err());
        let p = Page::parse(Some(3), Some(10)).unwrap();
        assert_eq!((p.offset(), p.limit()), (20, 10));
    }

    #[test]
    fn last_page_rounds_up() {
        let p: Paged<u8> = Paged::new(vec![], Page::parse(Some(8), Some(25)).unwrap(), 169);
        assert_eq!(p.last_page(), 7);
        assert!(p.is_past_end());
    }
}

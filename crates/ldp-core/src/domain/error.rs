//! Errors in what a user or client sent: a field and a stable code that pages and the API translate.

use std::collections::BTreeMap;
use std::fmt;

/// One or more fields that could not be parsed, each with a stable `snake_case` code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputError {
    pub fields: BTreeMap<String, String>,
}

impl InputError {
    pub fn new(field: &str, code: &str) -> Self {
        let mut fields = BTreeMap::new();
        fields.insert(field.to_owned(), code.to_owned());
        InputError { fields }
    }

    pub fn add(&mut self, field: &str, code: &str) {
        self.fields.insert(field.to_owned(), code.to_owned());
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        write!(f, "invalid input ({})", parts.join(", "))
    }
}

impl std::error::Error for InputError {}

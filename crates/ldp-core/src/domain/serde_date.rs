//! Calendar dates in JSON as ISO 8601 `YYYY-MM-DD` strings (the `time` crate's default is a tuple).

use serde::Serializer;
use time::Date;

pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

pub fn serialize_opt<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => serializer.collect_str(d),
        None => serializer.serialize_none(),
    }
}

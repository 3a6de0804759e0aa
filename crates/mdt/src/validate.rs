//! Reading a submitted form: every field is checked, every problem is collected with the
//! field it belongs to, and nothing is saved unless there are none. The views show each
//! message beside its field.

use std::fmt;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use crate::{MdtError, Result};

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The form field's name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Every problem with a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Adds a problem with a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// The first message for `field`.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether no field has a problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One problem with one field.
    pub fn single(field: &str, message: impl Into<String>) -> FieldErrors {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        write!(f, "{}", parts.join("; "))
    }
}

/// The most characters a one-line field takes.
pub const SHORT_TEXT: usize = 200;
/// The most characters notes, reasons and goals take.
pub const LONG_TEXT: usize = 4000;

/// A submitted form's fields, read one by one.
pub struct Reader<'a> {
    fields: &'a [(String, String)],
    errors: FieldErrors,
}

impl<'a> Reader<'a> {
    /// A reader of the fields of one submitted form.
    pub fn new(fields: &'a [(String, String)]) -> Reader<'a> {
        Reader {
            fields,
            errors: FieldErrors::default(),
        }
    }

    /// The field's value, trimmed; empty where it is absent.
    pub fn raw(&self, name: &str) -> &'a str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every value of a repeated field (ticked boxes).
    pub fn all(&self, name: &str) -> Vec<&'a str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Records a problem with a field; `finish` reports every problem at once.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.add(field, message);
    }

    /// Text that must be there, at most `max` characters.
    pub fn text(&mut self, name: &str, label: &str, max: usize) -> String {
        let value = self.raw(name);
        if value.is_empty() {
            self.fail(name, format!("{label} is required"));
        }
        self.check_length(name, label, value, max);
        value.to_string()
    }

    /// Text that may be empty, at most `max` characters.
    pub fn optional_text(&mut self, name: &str, label: &str, max: usize) -> String {
        let value = self.raw(name);
        self.check_length(name, label, value, max);
        value.to_string()
    }

    fn check_length(&mut self, name: &str, label: &str, value: &str, max: usize) {
        let length = value.chars().count();
        if length > max {
            self.fail(
                name,
                format!("{label} is {length} characters long; the most is {max}"),
            );
        }
    }

    /// A date (YYYY-MM-DD) that must be there.
    pub fn date(&mut self, name: &str, label: &str) -> NaiveDate {
        match self.optional_date(name, label) {
            Some(day) => day,
            None => {
                if self.errors.for_field(name).is_none() {
                    self.fail(name, format!("{label} is required"));
                }
                NaiveDate::MIN
            }
        }
    }

    /// A date (YYYY-MM-DD) that may be empty.
    pub fn optional_date(&mut self, name: &str, label: &str) -> Option<NaiveDate> {
        let value = self.raw(name);
        if value.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(_) if value.len() != 10 => {
                self.fail(name, format!("{label} {value:?}: write it as YYYY-MM-DD"));
                None
            }
            Ok(day) if (1900..=2200).contains(&chrono::Datelike::year(&day)) => Some(day),
            Ok(_) => {
                self.fail(name, format!("{label} {value:?} is not a plausible date"));
                None
            }
            Err(_) => {
                self.fail(
                    name,
                    format!("{label} {value:?} is not a date: write it as YYYY-MM-DD"),
                );
                None
            }
        }
    }

    /// A time of day (HH:MM) that must be there.
    pub fn time(&mut self, name: &str, label: &str) -> NaiveTime {
        let value = self.raw(name);
        match NaiveTime::parse_from_str(value, "%H:%M") {
            Ok(time) => time,
            Err(_) if value.is_empty() => {
                self.fail(name, format!("{label} is required"));
                NaiveTime::MIN
            }
            Err(_) => {
                self.fail(
                    name,
                    format!("{label} {value:?} is not a time: write it as HH:MM"),
                );
                NaiveTime::MIN
            }
        }
    }

    /// A record's id that must be there.
    pub fn id(&mut self, name: &str, label: &str) -> i64 {
        let value = self.raw(name);
        match value.parse::<i64>() {
            Ok(id) if id > 0 => id,
            _ if value.is_empty() => {
                self.fail(name, format!("{label} is required"));
                0
            }
            _ => {
                self.fail(name, format!("{label} {value:?} is not a valid id"));
                0
            }
        }
    }

    /// One of a closed list of choices, given as (code, value).
    pub fn choice<T: Copy>(&mut self, name: &str, label: &str, choices: &[(&str, T)]) -> Option<T> {
        let value = self.raw(name);
        match choices.iter().find(|(code, _)| *code == value) {
            Some((_, chosen)) => Some(*chosen),
            None => {
                let codes: Vec<&str> = choices.iter().map(|(c, _)| *c).collect();
                if value.is_empty() {
                    self.fail(name, format!("{label} is required"));
                } else {
                    self.fail(
                        name,
                        format!("{label} {value:?} is not one of {}", codes.join(", ")),
                    );
                }
                None
            }
        }
    }

    /// Ends the reading: the collected problems as an error, if any.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(MdtError::Invalid(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_problem_is_named_with_its_field() {
        let f = fields(&[
            ("due", "31/12/2026"),
            ("notes", &"x".repeat(5)),
            ("id", "abc"),
        ]);
        let mut r = Reader::new(&f);
        r.text("title", "Title", 10);
        r.date("due", "Due date");
        r.text("notes", "Notes", 4);
        r.id("id", "Owner");
        let Err(MdtError::Invalid(errors)) = r.finish() else {
            panic!("should fail")
        };
        assert_eq!(errors.for_field("title"), Some("Title is required"));
        assert!(
            errors
                .for_field("due")
                .unwrap_or_default()
                .contains("YYYY-MM-DD")
        );
        assert!(
            errors
                .for_field("notes")
                .unwrap_or_default()
                .contains("5 characters")
        );
        assert!(
            errors
                .for_field("id")
                .unwrap_or_default()
                .contains("not a valid id")
        );
    }

    #[test]
    fn good_values_pass() {
        let f = fields(&[("due", "2026-12-31"), ("at", "09:30"), ("kind", "b")]);
        let mut r = Reader::new(&f);
        assert_eq!(
            r.date("due", "Due"),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(
            r.time("at", "At"),
            NaiveTime::from_hms_opt(9, 30, 0).unwrap()
        );
        assert_eq!(r.choice("kind", "Kind", &[("a", 1), ("b", 2)]), Some(2));
        assert!(r.finish().is_ok());
    }

    proptest! {
        #[test]
        fn no_input_panics_and_bad_dates_are_refused(text in "\\PC{0,30}") {
            let f = fields(&[("d", &text), ("t", &text), ("i", &text)]);
            let mut r = Reader::new(&f);
            let parsed = r.optional_date("d", "D");
            r.time("t", "T");
            r.id("i", "I");
            if let Some(day) = parsed {
                prop_assert_eq!(day.format("%Y-%m-%d").to_string(), text.trim());
            }
            let _ = r.finish();
        }
    }
}

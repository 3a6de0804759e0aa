//! Form fields that show their error beside them and keep what the user typed, so that a
//! refused form comes back as it was sent, with each problem next to its field.

use accord_mdt::FieldErrors;
use maud::{Markup, html};

/// What the user sent (or the values to start from).
#[derive(Clone, Copy)]
pub struct Values<'a>(pub &'a [(String, String)]);

impl<'a> Values<'a> {
    pub const NONE: Values<'static> = Values(&[]);

    pub fn get(&self, name: &str) -> &'a str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str, value: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && v == value)
    }
}

/// A form's CSRF field.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// The list of problems at the top of a refused form, each linking to its field.
pub fn error_summary(errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" {
                h2 #error-summary-title { "There is a problem: nothing was saved" }
                ul { @for e in &errors.0 { li { a href={ "#" (e.field) } { (e.message) } } } }
            }
        }
    }
}

fn wrapper(
    name: &str,
    label: &str,
    hint: Option<&str>,
    errors: &FieldErrors,
    control: Markup,
) -> Markup {
    let error = errors.for_field(name);
    html! {
        div.field.has-error[error.is_some()] {
            label for=(name) { (label) }
            @if let Some(hint) = hint { p.hint id={ (name) "-hint" } { (hint) } }
            @if let Some(message) = error { p.field-error id={ (name) "-error" } { "Error: " (message) } }
            (control)
        }
    }
}

/// An `<input>` of `kind` (text, date, time, number, password).
pub fn input(
    kind: &str,
    name: &str,
    label: &str,
    hint: Option<&str>,
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    let invalid = errors.for_field(name).is_some();
    let described = invalid.then(|| format!("{name}-error"));
    wrapper(
        name,
        label,
        hint,
        errors,
        html! {
            input type=(kind) id=(name) name=(name) value=(values.get(name))
                aria-invalid=[invalid.then_some("true")] aria-describedby=[described];
        },
    )
}

pub fn textarea(
    name: &str,
    label: &str,
    hint: Option<&str>,
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    let invalid = errors.for_field(name).is_some();
    wrapper(
        name,
        label,
        hint,
        errors,
        html! {
            textarea id=(name) name=(name) rows="4" aria-invalid=[invalid.then_some("true")] { (values.get(name)) }
        },
    )
}

/// A `<select>` of (value, label) options, with an empty first choice.
pub fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    let invalid = errors.for_field(name).is_some();
    let chosen = values.get(name);
    wrapper(
        name,
        label,
        None,
        errors,
        html! {
            select id=(name) name=(name) aria-invalid=[invalid.then_some("true")] {
                option value="" { "Choose…" }
                @for (value, text) in options {
                    option value=(value) selected[value == chosen] { (text) }
                }
            }
        },
    )
}

/// Ticked boxes of a repeated field, as (value, label).
pub fn checkboxes(
    name: &str,
    legend: &str,
    options: &[(String, String)],
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    let error = errors.for_field(name);
    html! {
        fieldset.field.has-error[error.is_some()] id=(name) {
            legend { (legend) }
            @if let Some(message) = error { p.field-error { "Error: " (message) } }
            @if options.is_empty() { p.hint { "None." } }
            @for (i, (value, text)) in options.iter().enumerate() {
                div {
                    input type="checkbox" id={ (name) "-" (i) } name=(name) value=(value) checked[values.has(name, value)];
                    " " label for={ (name) "-" (i) } { (text) }
                }
            }
        }
    }
}

/// Choices as (value, label) from a constant table.
pub fn choices(table: &[(&str, &str)]) -> Vec<(String, String)> {
    table
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect()
}

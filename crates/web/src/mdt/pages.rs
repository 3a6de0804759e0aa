//! The MDT workflow's pages: maud templates over accord-mdt's records. Every form works
//! without JavaScript, carries the session's CSRF token, and comes back with its errors
//! beside the fields when it is refused.

use accord_chart::{Labels, LineChart, Series};
use accord_mdt::FieldErrors;
use accord_mdt::access::{Actor, Permission, Role};
use accord_mdt::activity::Activity;
use accord_mdt::audit::AuditEntry;
use accord_mdt::meetings::{
    Candidate, FORMATS, MeetingSummary, MeetingView, Network, NetworkCard, OUTCOMES, REPEATS,
};
use accord_mdt::people::{ACTION_STATUSES, ActionRecord, Colleague, PersonRecord, URGENCIES};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::Signed;
use super::forms::{Values, checkboxes, choices, csrf, error_summary, input, select, textarea};

fn layout(signed: Option<&Signed>, actor: Option<&Actor>, title: &str, body: Markup) -> Markup {
    let actor = signed.map(|s| &s.actor).or(actor);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Accord MDT" }
                link rel="stylesheet" href="/assets/style.css";
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
            }
            body {
                a.skip-link href="#main" { "Skip to main content" }
                header.header { div.container.header-inner {
                    a.brand href="/mdt" { "Accord MDT" }
                    @if let Some(actor) = actor {
                        nav aria-label="MDT" { ul {
                            li { a href="/mdt" { "My networks" } }
                            @if actor.role.may(Permission::ViewPeople) {
                                li { a href="/mdt/actions" { "Action tracker" } }
                                li { a href="/mdt/referrals/new" { "Refer someone" } }
                            }
                            @if actor.role.may(Permission::ReadAudit) {
                                li { a href="/mdt/audit" { "Audit log" } }
                            }
                            @if signed.is_some_and(|s| s.dashboard) {
                                li { a href="/" { "Outcomes dashboard" } }
                            }
                        } }
                        @if let Some(s) = signed {
                            div.header-user {
                                (actor.display_name) " · " (actor.role.label()) " "
                                form.inline-form method="post" action="/mdt/sign-out" {
                                    (csrf(&s.csrf))
                                    button.secondary type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                } }
                main.container #main { (body) }
                footer.footer { div.container {
                    "Person-level records: every page that shows a person, and every change, is written to the audit log with your name."
                } }
            }
        }
    }
}

/// A page that only says something, with its status.
pub fn message(status: StatusCode, actor: Option<&Actor>, title: &str, text: &str) -> Response {
    (
        status,
        layout(
            None,
            actor,
            title,
            html! {
                h1 { (title) }
                p { (text) }
                p { a href="/mdt" { "Go to my networks" } }
            },
        ),
    )
        .into_response()
}

pub fn sign_in(token: &str, next: &str, error: Option<&str>, username: &str) -> Markup {
    let none = FieldErrors::default();
    let values = vec![("username".to_string(), username.to_string())];
    layout(
        None,
        None,
        "Sign in",
        html! {
            h1 { "Sign in to the MDT workflow" }
            @if let Some(error) = error { div.error-summary role="alert" { p { (error) } } }
            form.form method="post" action="/mdt/sign-in" {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(next);
                (input("text", "username", "Username", None, Values(&values), &none))
                (input("password", "password", "Password", None, Values::NONE, &none))
                button type="submit" { "Sign in" }
            }
        },
    )
}

fn format_label(code: &str) -> &str {
    FORMATS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, l)| l)
}

fn outcome_label(code: &str) -> &str {
    match code {
        _ if OUTCOMES.iter().any(|(c, _)| *c == code) => OUTCOMES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code, |(_, l)| l),
        _ => code,
    }
}

fn role_label(code: &str) -> &'static str {
    Role::parse(code).map_or("Member", Role::label)
}

fn team_options(team: &[Colleague]) -> Vec<(String, String)> {
    team.iter()
        .map(|c| {
            (
                c.id.to_string(),
                format!("{} – {}", c.display_name, role_label(&c.role)),
            )
        })
        .collect()
}

fn score(value: Option<f64>) -> String {
    value.map_or_else(|| "not scored".into(), |s| format!("{:.1}%", s * 100.0))
}

pub fn home(s: &Signed, cards: &[NetworkCard]) -> Markup {
    let actor = &s.actor;
    layout(
        Some(s),
        None,
        "My networks",
        html! {
            h1 { "My networks" }
            @if cards.is_empty() {
                p { "You are not a member of any network." }
                @if actor.role.may(Permission::ReadAudit) { p { a href="/mdt/audit" { "Read the audit log" } } }
            }
            ul.tiles {
                @for card in cards {
                    li.tile {
                        h2 { a href={ "/mdt/networks/" (card.network.code) } { (card.network.name) } }
                        p.note { (card.network.code) " · meets " (card.network.cadence) " · " (card.members) " members" }
                        @match &card.next_meeting {
                            Some(m) => {
                                p { "Next meeting: " a href={ "/mdt/meetings/" (m.id) } { (m.meeting_date) " at " (m.start_time) } }
                                p.note { (m.cases) " people on the case list · " (format_label(&m.format)) }
                            }
                            None => { p { "No meeting scheduled." } }
                        }
                        dl.tile-facts {
                            dt { "Open referrals" } dd { (card.open_referrals) }
                            dt { "Open actions" } dd { (card.open_actions) }
                            dt { "Overdue actions" } dd.overdue[card.overdue_actions > 0] { (card.overdue_actions) }
                        }
                        @if actor.role.may(Permission::ManageMeetings) {
                            p { a href={ "/mdt/networks/" (card.network.code) "/meetings/new" } { "Schedule meetings" } }
                        }
                    }
                }
            }
        },
    )
}

fn meetings_table(caption: &str, meetings: &[MeetingSummary], link: bool) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr { th { "Date" } th { "Time" } th { "Format" } th { "Status" } th { "On the list" } th { "Discussed" } } }
            tbody {
                @for m in meetings { tr {
                    td { @if link { a href={ "/mdt/meetings/" (m.id) } { (m.meeting_date) } } @else { (m.meeting_date) } }
                    td { (m.start_time) } td { (format_label(&m.format)) } td { (m.status) } td { (m.cases) } td { (m.discussed) }
                } }
                @if meetings.is_empty() { tr { td colspan="6" { "None." } } }
            }
        }
    }
}

pub fn network(
    s: &Signed,
    a: &Activity,
    upcoming: &[MeetingSummary],
    past: &[MeetingSummary],
) -> Markup {
    let recent: Vec<_> = a.months.iter().rev().take(24).rev().collect();
    let chart = accord_chart::line(&LineChart {
        labels: Labels {
            id: "discussed".into(),
            title: format!("People discussed each month, {}", a.network.name),
            description: "People discussed at the network's MDT each month: discussed for the first time, and brought back.".into(),
            x: "Month".into(),
            y: "People".into(),
        },
        categories: recent.iter().map(|m| m.month.clone()).collect(),
        series: vec![
            Series {
                name: "New".into(),
                values: recent.iter().map(|m| Some(m.new_people as f64)).collect(),
                band: None,
            },
            Series {
                name: "Follow-up".into(),
                values: recent.iter().map(|m| Some(m.follow_ups as f64)).collect(),
                band: None,
            },
        ],
        target: None,
        zero: true,
        step: 1.0,
    });
    let links = s.actor.role.may(Permission::ViewPeople);
    layout(
        Some(s),
        None,
        &a.network.name,
        html! {
            p.breadcrumb { a href="/mdt" { "My networks" } }
            h1 { (a.network.name) }
            p.lead { "Meets " (a.network.cadence) " at " (a.network.venue) "." }
            @if s.actor.role.may(Permission::ManageMeetings) {
                p { a href={ "/mdt/networks/" (a.network.code) "/meetings/new" } { "Schedule meetings" } }
            }
            dl.summary-list {
                dt { "Discussions recorded" } dd { (a.discussions) }
                dt { "People ever discussed" } dd { (a.people_ever) }
                dt { "Open referrals" } dd { (a.open_referrals) }
                dt { "Actions open" } dd { (a.actions_open) }
                dt { "Actions overdue" } dd.overdue[a.actions_overdue > 0] { (a.actions_overdue) }
                dt { "Actions done" } dd { (a.actions_done) }
            }
            (crate::pages::chart(&chart, "People discussed each month: new and follow-up"))
            (meetings_table("Upcoming meetings", upcoming, links))
            (meetings_table("Recent meetings", past, links))
            table {
                caption { "Activity by month" }
                thead { tr { th { "Month" } th { "Meetings" } th { "People discussed" } th { "New" } th { "Follow-up" } } }
                tbody { @for m in a.months.iter().rev() { tr {
                    td { (m.month) } td { (m.meetings) } td { (m.people) } td { (m.new_people) } td { (m.follow_ups) }
                } } }
            }
        },
    )
}

pub fn schedule(
    s: &Signed,
    network: &Network,
    team: &[Colleague],
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    let team_choices = team_options(team);
    layout(
        Some(s),
        None,
        "Schedule meetings",
        html! {
            p.breadcrumb { a href={ "/mdt/networks/" (network.code) } { (network.name) } }
            h1 { "Schedule meetings for " (network.name) }
            (error_summary(errors))
            form.form method="post" action={ "/mdt/networks/" (network.code) "/meetings" } {
                (csrf(&s.csrf))
                (input("date", "meeting_date", "Date of the first meeting", Some("YYYY-MM-DD"), values, errors))
                (input("time", "start_time", "Start time", Some("HH:MM"), values, errors))
                (select("format", "Format", &choices(&FORMATS), values, errors))
                (input("text", "venue", "Venue, or the link for virtual meetings", None, values, errors))
                (select("repeat", "How often", &choices(&REPEATS), values, errors))
                (input("number", "occurrences", "How many meetings", Some("For a weekly or fortnightly series: 1 to 26"), values, errors))
                (checkboxes("attendee", "Attendees", &team_choices, values, errors))
                button type="submit" { "Schedule" }
            }
        },
    )
}

fn reasons_list(reasons: &[String]) -> Markup {
    html! { @if reasons.is_empty() { "–" } @else { ul { @for r in reasons { li { (r) } } } } }
}

fn candidate_options(candidates: &[Candidate], referral: bool) -> Vec<(String, String)> {
    candidates
        .iter()
        .map(|c| {
            let value = if referral {
                c.referral_id.unwrap_or_default()
            } else {
                c.person_id
            };
            (
                value.to_string(),
                format!(
                    "Person {} – {} – risk {} – {}",
                    c.person_id,
                    c.why,
                    score(c.risk_score),
                    c.reasons.join("; ")
                ),
            )
        })
        .collect()
}

pub fn discussion_form(
    s: &Signed,
    item: i64,
    team: &[Colleague],
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    html! {
        form.form method="post" action={ "/mdt/cases/" (item) "/discussion" } {
            (csrf(&s.csrf))
            (textarea("notes", "Discussion notes", None, values, errors))
            (select("outcome", "Outcome", &choices(&OUTCOMES), values, errors))
            (input("date", "follow_up_on", "Bring back by (if a follow-up)", Some("YYYY-MM-DD"), values, errors))
            fieldset {
                legend { "An action agreed (optional)" }
                (input("text", "action_description", "Action", None, values, errors))
                (select("action_owner_id", "Owner", &team_options(team), values, errors))
                (input("date", "action_due_on", "Due", Some("YYYY-MM-DD"), values, errors))
            }
            button type="submit" { "Record the discussion" }
        }
    }
}

pub fn meeting(s: &Signed, v: &MeetingView) -> Markup {
    let m = &v.meeting;
    let manage = s.actor.role.may(Permission::ManageMeetings);
    let record = s.actor.role.may(Permission::RecordDiscussions);
    let none = FieldErrors::default();
    layout(
        Some(s),
        None,
        &format!("Meeting {}", m.meeting_date),
        html! {
            p.breadcrumb { a href={ "/mdt/networks/" (m.network_code) } { (m.network_name) } }
            h1 { (m.network_name) " MDT, " (m.meeting_date) " at " (m.start_time) }
            dl.summary-list {
                dt { "Format" } dd { (format_label(&m.format)) }
                dt { "Venue" } dd { (m.venue) }
                dt { "Status" } dd { (m.status) }
                dt { "Attendees" } dd { @if v.attendees.is_empty() { "None listed" } @else { (v.attendees.iter().map(|a| a.display_name.as_str()).collect::<Vec<_>>().join(", ")) } }
            }
            h2 #case-list { "Case list (" (v.cases.len()) ")" }
            @if v.cases.is_empty() { p { "Nobody is on the case list yet." } }
            @for c in &v.cases {
                section.panel id={ "case-" (c.item_id) } {
                    h3 { a href={ "/mdt/people/" (c.person_id) } { "Person " (c.person_id) } }
                    p.note {
                        (c.age) " years, " (c.sex) ", practice " (c.practice_code) " · "
                        (if c.follow_up { "follow-up" } else { "new" }) " · from " (c.source.replace('_', " "))
                        " · risk " (score(c.risk_score))
                    }
                    (reasons_list(&c.reasons))
                    @match &c.discussion {
                        Some(d) => {
                            p { strong { (outcome_label(&d.outcome)) } @if let Some(f) = &d.follow_up_on { " · bring back by " (f) } }
                            p { (d.notes) }
                            p.note { "Recorded by " (d.recorded_by) " at " (d.recorded_at) }
                        }
                        None => {
                            @if record {
                                details { summary { "Record the discussion" } (discussion_form(s, c.item_id, &v.team, Values::NONE, &none)) }
                            }
                        }
                    }
                }
            }
            @if manage && m.status == "scheduled" {
                h2 #add { "Add people to the case list" }
                form.form method="post" action={ "/mdt/meetings/" (m.id) "/cases" } {
                    (csrf(&s.csrf))
                    (checkboxes("referral", "Open referrals", &candidate_options(&v.referrals, true), Values::NONE, &none))
                    (checkboxes("follow_up", "Follow-ups due", &candidate_options(&v.follow_ups, false), Values::NONE, &none))
                    (checkboxes("candidate", &format!("Case finding{}", v.case_finding_date.as_ref().map(|d| format!(" (list of {d})")).unwrap_or_default()), &candidate_options(&v.case_finding, false), Values::NONE, &none))
                    button type="submit" { "Add to the case list" }
                }
            }
        },
    )
}

/// A refused form whose page is elsewhere: each problem under the field it is about,
/// and the way back.
pub fn refused(s: &Signed, title: &str, errors: &FieldErrors, back: &str) -> Markup {
    layout(
        Some(s),
        None,
        title,
        html! {
            h1 { (title) }
            div.error-summary role="alert" {
                h2 { "There is a problem: nothing was saved" }
                @for e in &errors.0 { p.field-error id={ (e.field) "-error" } { "Error: " (e.message) } }
            }
            p { a href=(back) { "Go back and try again" } }
        },
    )
}

/// The error of a hidden field (the version a form was opened at), where it can be seen.
fn hidden_error(name: &str, errors: &FieldErrors) -> Markup {
    html! { @if let Some(m) = errors.for_field(name) { p.field-error id={ (name) "-error" } { "Error: " (m) } } }
}

pub fn discussion_page(
    s: &Signed,
    m: &MeetingSummary,
    item: i64,
    person: i64,
    team: &[Colleague],
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    layout(
        Some(s),
        None,
        "Record the discussion",
        html! {
            p.breadcrumb { a href={ "/mdt/meetings/" (m.id) } { (m.network_name) " MDT, " (m.meeting_date) } }
            h1 { "Record the discussion of person " (person) }
            (error_summary(errors))
            (discussion_form(s, item, team, values, errors))
        },
    )
}

/// The forms of a person's page, each of which can come back on its own when refused.
#[derive(Debug, Clone, Copy)]
pub enum PersonForm {
    NewAction,
    Action(i64),
    CarePlan,
    Navigator,
}

fn action_form(
    s: &Signed,
    person: i64,
    form: PersonForm,
    team: &[Colleague],
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    let (action, label) = match form {
        PersonForm::Action(id) => (format!("/mdt/actions/{id}"), "Save the action"),
        _ => (format!("/mdt/people/{person}/actions"), "Add the action"),
    };
    html! {
        form.form method="post" action=(action) {
            (csrf(&s.csrf))
            input type="hidden" name="person_id" value=(person);
            @if matches!(form, PersonForm::Action(_)) {
                input type="hidden" name="version" value=(values.get("version"));
            }
            (hidden_error("version", errors))
            (input("text", "description", "Action", None, values, errors))
            (select("owner_id", "Owner", &team_options(team), values, errors))
            (input("date", "due_on", "Due", Some("YYYY-MM-DD"), values, errors))
            @if matches!(form, PersonForm::Action(_)) {
                (select("status", "Status", &choices(&ACTION_STATUSES), values, errors))
            }
            button type="submit" { (label) }
        }
    }
}

fn care_plan_form(s: &Signed, person: i64, values: Values<'_>, errors: &FieldErrors) -> Markup {
    html! {
        form.form method="post" action={ "/mdt/people/" (person) "/care-plan" } {
            (csrf(&s.csrf))
            input type="hidden" name="version" value=(values.get("version"));
            (hidden_error("version", errors))
            (textarea("goals", "Goals, in the person's own words", Some("One per line, each an I-statement: \"I want to stay living in my own home\""), values, errors))
            (input("date", "review_on", "Review by", Some("YYYY-MM-DD"), values, errors))
            button type="submit" { "Save the care plan" }
        }
    }
}

fn navigator_form(
    s: &Signed,
    person: i64,
    team: &[Colleague],
    values: Values<'_>,
    errors: &FieldErrors,
) -> Markup {
    let navigators: Vec<Colleague> = team
        .iter()
        .filter(|c| c.role == Role::Navigator.code())
        .cloned()
        .collect();
    html! {
        form.form method="post" action={ "/mdt/people/" (person) "/navigator" } {
            (csrf(&s.csrf))
            (select("navigator_id", "Navigator", &team_options(&navigators), values, errors))
            button type="submit" { "Assign" }
        }
    }
}

/// One form of a person's page on its own, with what was sent and why it was refused.
pub fn person_form(
    s: &Signed,
    person: i64,
    form: PersonForm,
    team: &[Colleague],
    values: Values<'_>,
    errors: &FieldErrors,
    conflict: Option<&str>,
) -> Markup {
    let title = match form {
        PersonForm::NewAction => "Add an action",
        PersonForm::Action(_) => "Change an action",
        PersonForm::CarePlan => "Care plan",
        PersonForm::Navigator => "Assign a navigator",
    };
    layout(
        Some(s),
        None,
        title,
        html! {
            p.breadcrumb { a href={ "/mdt/people/" (person) } { "Person " (person) } }
            h1 { (title) " for person " (person) }
            @if let Some(message) = conflict {
                div.error-summary role="alert" { h2 { "Someone else changed this first" } p { (message) } }
            }
            (error_summary(errors))
            @match form {
                PersonForm::NewAction | PersonForm::Action(_) => { (action_form(s, person, form, team, values, errors)) }
                PersonForm::CarePlan => { (care_plan_form(s, person, values, errors)) }
                PersonForm::Navigator => { (navigator_form(s, person, team, values, errors)) }
            }
        },
    )
}

fn action_values(a: &ActionRecord) -> Vec<(String, String)> {
    vec![
        ("description".into(), a.description.clone()),
        ("owner_id".into(), a.owner_id.to_string()),
        ("due_on".into(), a.due_on.clone()),
        ("status".into(), a.status.clone()),
        ("version".into(), a.version.to_string()),
    ]
}

fn actions_table(
    s: &Signed,
    actions: &[ActionRecord],
    team: Option<&[Colleague]>,
    with_person: bool,
) -> Markup {
    let none = FieldErrors::default();
    let edit = s.actor.role.may(Permission::EditCare);
    html! {
        table {
            thead { tr {
                @if with_person { th { "Person" } th { "Network" } }
                th { "Action" } th { "Owner" } th { "Due" } th { "Status" } th { "Last change" }
                @if edit && team.is_some() { th { "Change" } }
            } }
            tbody {
                @for a in actions { tr {
                    @if with_person { td { a href={ "/mdt/people/" (a.person_id) } { (a.person_id) } } td { (a.network_code) } }
                    td { (a.description) } td { (a.owner) }
                    td.overdue[a.overdue] { (a.due_on) @if a.overdue { " (overdue)" } }
                    td { (a.status) } td { (a.updated_by) " " (a.updated_at) }
                    @if let (true, Some(team)) = (edit, team) {
                        td { details { summary { "Change" }
                            (action_form(s, a.person_id, PersonForm::Action(a.id), team, Values(&action_values(a)), &none))
                        } }
                    }
                } }
                @if actions.is_empty() { tr { td colspan="7" { "None." } } }
            }
        }
    }
}

pub fn person(s: &Signed, r: &PersonRecord) -> Markup {
    let p = &r.person;
    let none = FieldErrors::default();
    let today = chrono::Utc::now().date_naive();
    let plan_values = match &r.care_plan {
        Some(plan) => vec![
            ("goals".to_string(), plan.goals.join("\n")),
            ("review_on".to_string(), plan.review_on.clone()),
            ("version".to_string(), plan.version.to_string()),
        ],
        None => vec![("version".to_string(), "0".to_string())],
    };
    layout(
        Some(s),
        None,
        &format!("Person {}", p.id),
        html! {
            p.breadcrumb { a href={ "/mdt/networks/" (p.network_code) } { "Network " (p.network_code) } }
            h1 { "Person " (p.id) }
            dl.summary-list {
                dt { "Age, sex" } dd { (p.age_on(today)) " years, " (p.sex) }
                dt { "Practice, network" } dd { (p.practice_code) ", " (p.network_code) }
                dt { "Risk of emergency admission" } dd { (score(p.risk_score)) @if let Some(d) = &p.scored_on { " (scored " (d) ")" } }
                dt { "Why" } dd { (reasons_list(&p.risk_reasons)) }
                dt { "Navigator" } dd { @match &p.navigator { Some(n) => { (n.display_name) } None => { "None assigned" } } }
            }
            p { a href={ "/mdt/referrals/new?person=" (p.id) } { "Refer this person to the MDT" } }
            @if s.actor.role.may(Permission::AssignNavigators) {
                details { summary { "Assign a navigator" } (navigator_form(s, p.id, &r.team, Values::NONE, &none)) }
            }
            h2 #care-plan { "Care plan" }
            @match &r.care_plan {
                Some(plan) => {
                    ul { @for g in &plan.goals { li { (g) } } }
                    p.note {
                    "Review by " (plan.review_on) " · version " (plan.version) " · last changed "
                    @if !plan.updated_by.is_empty() { "by " (plan.updated_by) " " }
                    "at " (plan.updated_at)
                }
                }
                None => { p { "No care plan yet." } }
            }
            @if s.actor.role.may(Permission::EditCare) {
                details { summary { @if r.care_plan.is_some() { "Change the care plan" } @else { "Write a care plan" } }
                    (care_plan_form(s, p.id, Values(&plan_values), &none)) }
            }
            h2 #actions { "Actions" }
            (actions_table(s, &r.actions, Some(&r.team), false))
            @if s.actor.role.may(Permission::EditCare) {
                details { summary { "Add an action" } (action_form(s, p.id, PersonForm::NewAction, &r.team, Values::NONE, &none)) }
            }
            h2 #discussions { "MDT discussions (" (r.discussions.len()) ")" }
            table {
                thead { tr { th { "Meeting" } th { "New or follow-up" } th { "Outcome" } th { "Notes" } th { "Recorded by" } } }
                tbody {
                    @for d in &r.discussions { tr {
                        td { a href={ "/mdt/meetings/" (d.meeting_id) } { (d.meeting_date) } }
                        td { (if d.follow_up { "follow-up" } else { "new" }) }
                        td { (outcome_label(&d.outcome)) @if let Some(f) = &d.follow_up_on { br; "bring back by " (f) } }
                        td { (d.notes) } td { (d.recorded_by) }
                    } }
                    @if r.discussions.is_empty() { tr { td colspan="5" { "Not discussed yet." } } }
                }
            }
            h2 #referrals { "Referrals" }
            table {
                thead { tr { th { "Made" } th { "From" } th { "Urgency" } th { "Reason" } th { "Risk then" } th { "Status" } } }
                tbody {
                    @for f in &r.referrals { tr {
                        td { (f.created_at) } td { (f.organisation) " (" (f.referred_by) ")" } td { (f.urgency) } td { (f.reason) }
                        td { (score(f.risk_score)) } td { (f.status) }
                    } }
                    @if r.referrals.is_empty() { tr { td colspan="6" { "None." } } }
                }
            }
        },
    )
}

pub fn tracker(s: &Signed, actions: &[ActionRecord]) -> Markup {
    let overdue = actions.iter().filter(|a| a.overdue).count();
    layout(
        Some(s),
        None,
        "Action tracker",
        html! {
            h1 { "Action tracker" }
            p.lead { (actions.len()) " open actions in your networks, " (overdue) " overdue. Overdue first." }
            (actions_table(s, actions, None, true))
        },
    )
}

pub fn referral(s: &Signed, values: Values<'_>, errors: &FieldErrors) -> Markup {
    layout(
        Some(s),
        None,
        "Refer someone",
        html! {
            h1 { "Refer someone to their network's MDT" }
            p { "Any member organisation can refer, with equal weight. The person's current risk score and its reasons are recorded with the referral." }
            (error_summary(errors))
            form.form method="post" action="/mdt/referrals" {
                (csrf(&s.csrf))
                (input("text", "person_id", "The person's id", Some("The pseudonymised id the MDT register uses"), values, errors))
                (textarea("reason", "Why they should be discussed", None, values, errors))
                (select("urgency", "Urgency", &choices(&URGENCIES), values, errors))
                button type="submit" { "Refer" }
            }
        },
    )
}

pub fn audit(s: &Signed, person: Option<i64>, entries: &[AuditEntry]) -> Markup {
    layout(
        Some(s),
        None,
        "Audit log",
        html! {
            h1 { "Audit log" }
            p { "Every read and change of a person's record, newest first (the latest 500). The log cannot be edited." }
            form.filters method="get" action="/mdt/audit" {
                div.field { label for="person" { "Person id" } input type="text" id="person" name="person" value=[person]; }
                button type="submit" { "Filter" }
            }
            table {
                thead { tr { th { "When" } th { "Who" } th { "Did" } th { "What" } th { "Person" } th { "Request" } } }
                tbody { @for e in entries { tr {
                    td { (e.occurred_at) } td { (e.username) } td { (e.action) } td { (e.entity) " " (e.entity_id) }
                    td { @if let Some(p) = e.person_id { (p) } } td { code { (e.request) } }
                } } }
            }
        },
    )
}

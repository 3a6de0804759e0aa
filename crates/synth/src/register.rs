//! The synthetic borough's contract register: about a hundred contract rows, as a
//! partnership's commissioners would keep them, written as CSV beside the dataset.
//!
//! - Acute trusts are paid by activity (tariff) for A&E, emergency and elective admissions
//!   and outpatients.
//! - Each practice holds a capitated primary care contract.
//! - Community health, mental health and the voluntary sector hold block contracts, one
//!   per service line and age group.
//! - Adult social care buys care homes and home care spot, and reablement from a pooled
//!   (section 75) budget.
//!
//! Community and out-of-hospital services (community and mental health, social care and the
//! voluntary sector) together are worth about £390 a head a year, in proportion to
//! Richmond's £76m for its 195,000 people (docs/calibration.md); their block contracts pay
//! for far more than the recorded contacts cost at unit prices, as real community data
//! under-record. Acute and primary care are valued near their activity's cost. Contracts
//! other than primary care were re-let at the start of the budget year with a 3% uplift,
//! so each has a row for each period. Values are illustrative.

use accord_model::{ProviderKind, Setting, Vocabulary};
use chrono::{Datelike, NaiveDate};

/// Pounds a head a year, for each service line: (kind, name, settings, population,
/// £/head, payment model, pooled).
type Line = (
    ProviderKind,
    &'static str,
    &'static [Setting],
    &'static str,
    f64,
    &'static str,
    bool,
);

#[rustfmt::skip]
const LINES: &[Line] = &[
    (ProviderKind::Acute, "A&E", &[Setting::AeAttendance], "all", 60.0, "activity", false),
    (ProviderKind::Acute, "Emergency admissions", &[Setting::EmergencyAdmission], "all", 120.0, "activity", false),
    (ProviderKind::Acute, "Elective care", &[Setting::ElectiveAdmission], "all", 160.0, "activity", false),
    (ProviderKind::Acute, "Outpatients", &[Setting::Outpatient], "all", 185.0, "activity", false),
    (ProviderKind::Community, "Children's community health", &[Setting::Community], "age 0-17", 12.0, "block", false),
    (ProviderKind::Community, "Adult community health", &[Setting::Community], "age 18-64", 32.0, "block", false),
    (ProviderKind::Community, "Community health for people aged 65-74", &[Setting::Community], "age 65-74", 24.0, "block", false),
    (ProviderKind::Community, "Community health for people aged 75-84", &[Setting::Community], "age 75-84", 30.0, "block", false),
    (ProviderKind::Community, "Community health for people aged 85 and over", &[Setting::Community], "age 85+", 22.0, "block", false),
    (ProviderKind::MentalHealth, "Child and adolescent mental health", &[Setting::MentalHealth, Setting::MentalHealthReferral], "age 0-17", 8.0, "block", false),
    (ProviderKind::MentalHealth, "Adult mental health", &[Setting::MentalHealth, Setting::MentalHealthReferral], "age 18-64", 35.0, "block", false),
    (ProviderKind::MentalHealth, "Older adults' mental health", &[Setting::MentalHealth, Setting::MentalHealthReferral], "age 65+", 12.0, "block", false),
    (ProviderKind::SocialCare, "Home care for adults of working age", &[Setting::HomeCare], "age 18-64", 40.0, "spot", false),
    (ProviderKind::SocialCare, "Home care for older people", &[Setting::HomeCare], "age 65+", 80.0, "spot", false),
    (ProviderKind::SocialCare, "Residential care for adults of working age", &[Setting::Residential], "age 18-64", 5.0, "spot", false),
    (ProviderKind::SocialCare, "Residential care for older people", &[Setting::Residential], "age 65+", 30.0, "spot", false),
    (ProviderKind::SocialCare, "Nursing care", &[Setting::Nursing], "age 18+", 45.0, "spot", false),
    (ProviderKind::SocialCare, "Reablement (Better Care Fund)", &[Setting::Reablement], "age 18+", 8.0, "block", true),
    (ProviderKind::SocialCare, "Safeguarding adults", &[Setting::SafeguardingAlert], "age 18+", 4.0, "block", true),
    (ProviderKind::Voluntary, "Social prescribing for children and families", &[Setting::Voluntary], "age 0-17", 2.0, "block", false),
    (ProviderKind::Voluntary, "Social prescribing for adults", &[Setting::Voluntary], "age 18-64", 4.0, "block", true),
    (ProviderKind::Voluntary, "Social prescribing and befriending for older people", &[Setting::Voluntary], "age 65+", 4.0, "block", true),
];

/// Pounds a head a year for primary care, shared between the practices.
const PRIMARY_CARE_PER_HEAD: f64 = 165.0;

/// The register as CSV. `providers` are the borough's (code, name, kind); `registered` its
/// registered population; `year_end` the last day of the budget year (a 31 March).
pub fn contract_register_csv(
    providers: &[(String, String, ProviderKind)],
    registered: u64,
    year_end: NaiveDate,
) -> String {
    let head = registered as f64;
    let year = year_end.year();
    let date = |y: i32, m: u32, d: u32| {
        NaiveDate::from_ymd_opt(y, m, d).map_or_else(String::new, |d| d.to_string())
    };
    let relet = date(year - 1, 4, 1);
    let first_start = date(year - 3, 4, 1);
    let first_end = date(year - 1, 3, 31);
    let last_end = date(year + 2, 3, 31);
    let mut out = String::from(
        "contract_id,provider_code,provider_name,commissioner,services,population,annual_value_gbp,start_date,end_date,payment_model,pooled\n",
    );
    let quote = |s: &str| {
        if s.contains(',') || s.contains('"') {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut number = 0;
    for (kind, service, settings, population, per_head, model, pooled) in LINES {
        let holders: Vec<&(String, String, ProviderKind)> =
            providers.iter().filter(|p| p.2 == *kind).collect();
        let commissioner = match kind {
            ProviderKind::SocialCare => "Borough Council",
            _ => "Borough ICB",
        };
        for (code, name, _) in &holders {
            number += 1;
            let value = per_head * head / holders.len() as f64;
            let services = settings
                .iter()
                .map(|s| s.code())
                .collect::<Vec<_>>()
                .join(";");
            let description = format!("{name}: {service}");
            for (start, end, uplift) in [(&first_start, &first_end, 1.0), (&relet, &last_end, 1.03)]
            {
                out.push_str(&format!(
                    "C{number:03},{code},{},{commissioner},{services},{population},{:.2},{start},{end},{model},{}\n",
                    quote(&description),
                    (value * uplift).round(),
                    if *pooled { "yes" } else { "no" }
                ));
            }
        }
    }
    let practices: Vec<&(String, String, ProviderKind)> = providers
        .iter()
        .filter(|p| p.2 == ProviderKind::PrimaryCare)
        .collect();
    for (code, name, _) in &practices {
        number += 1;
        let value = PRIMARY_CARE_PER_HEAD * head / practices.len().max(1) as f64;
        out.push_str(&format!(
            "P{number:03},{code},{},Borough ICB (delegated primary care),gp,all,{:.2},{first_start},{last_end},capitated,no\n",
            quote(&format!("{name}: general practice")),
            value.round()
        ));
    }
    out
}

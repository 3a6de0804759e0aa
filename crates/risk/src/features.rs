//! The risk model's predictors, as docs/methods.md lists them: age band, sex, IMD quintile, each
//! long-term condition and their count, eFI-style frailty category (65 and over), and counts
//! in the 12 months to the date of A&E attendances, emergency and elective admissions,
//! outpatient attendances, social care use and mental health contact. Counts and ages are
//! banded into indicator columns against a stated reference, so every odds ratio reads as
//! "compared with the reference" and the long-term condition count is not a linear
//! combination of the conditions.

use crate::Design;
use accord_model::{Condition, Setting, Sex};

use accord_cohort::Histories;
use accord_cohort::at::PersonAt;
use accord_cohort::frailty::FrailtyCategory;

/// One column of the design: a name for files and a label for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The column's name, for files.
    pub name: String,
    /// What the column means, in words ("2 emergency admissions in the 12 months").
    pub label: String,
    value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Intercept,
    AgeBand(i32, i32),
    Male,
    ImdQuintile(u8),
    Condition(Condition),
    LongTermConditions(u32, u32),
    Frailty(FrailtyCategory),
    Activity(&'static [Setting], u32, u32),
    SocialCare,
    MentalHealthContact,
}

const AGE_BANDS: [(i32, i32); 8] = [
    (0, 4),
    (5, 17),
    (40, 49),
    (50, 59),
    (60, 69),
    (70, 79),
    (80, 89),
    (90, i32::MAX),
];
const SOCIAL_CARE: [Setting; 4] = [
    Setting::HomeCare,
    Setting::Residential,
    Setting::Nursing,
    Setting::Reablement,
];
const MENTAL_HEALTH: [Setting; 2] = [Setting::MentalHealth, Setting::MentalHealthReferral];

/// The references the bands are compared with.
pub const REFERENCES: &str = "aged 18-39; female or unknown sex; IMD quintile 5 (least deprived); \
without the condition; 0-1 long-term conditions; fit or under 65; none of the activity in the 12 months";

fn activity(
    settings: &'static [Setting],
    name: &str,
    (one, many): (&str, &str),
    bands: &[(u32, u32)],
) -> Vec<Feature> {
    bands
        .iter()
        .map(|&(low, high)| {
            let (suffix, count) = match (low, high) {
                (l, h) if l == h => (format!("{l}"), format!("{l}")),
                (l, u32::MAX) => (format!("{l}_plus"), format!("{l} or more")),
                (l, h) => (format!("{l}_{h}"), format!("{l}-{h}")),
            };
            Feature {
                name: format!("{name}_{suffix}"),
                label: format!(
                    "{count} {} in the 12 months",
                    if high == 1 { one } else { many }
                ),
                value: Value::Activity(settings, low, high),
            }
        })
        .collect()
}

/// Every candidate column, intercept first.
pub fn all_features() -> Vec<Feature> {
    let mut features = vec![Feature {
        name: "intercept".into(),
        label: "baseline".into(),
        value: Value::Intercept,
    }];
    for (low, high) in AGE_BANDS {
        let (name, label) = if high == i32::MAX {
            (format!("age_{low}_plus"), format!("aged {low} or over"))
        } else {
            (format!("age_{low}_{high}"), format!("aged {low}-{high}"))
        };
        features.push(Feature {
            name,
            label,
            value: Value::AgeBand(low, high),
        });
    }
    features.push(Feature {
        name: "male".into(),
        label: "male".into(),
        value: Value::Male,
    });
    for q in 1..=4 {
        features.push(Feature {
            name: format!("imd_quintile_{q}"),
            label: format!(
                "living in IMD quintile {q}{}",
                if q == 1 { " (most deprived)" } else { "" }
            ),
            value: Value::ImdQuintile(q),
        });
    }
    for condition in Condition::LONG_TERM {
        features.push(Feature {
            name: format!("condition_{}", condition.as_str()),
            label: condition_words(condition).to_string(),
            value: Value::Condition(condition),
        });
    }
    for (low, high) in [(2, 2), (3, 3), (4, u32::MAX)] {
        let (name, label) = if high == u32::MAX {
            (
                format!("conditions_{low}_plus"),
                format!("{low} or more long-term conditions"),
            )
        } else {
            (
                format!("conditions_{low}"),
                format!("{low} long-term conditions"),
            )
        };
        features.push(Feature {
            name,
            label,
            value: Value::LongTermConditions(low, high),
        });
    }
    for category in [
        FrailtyCategory::Mild,
        FrailtyCategory::Moderate,
        FrailtyCategory::Severe,
    ] {
        features.push(Feature {
            name: format!("frailty_{}", category.code()),
            label: format!("{} frailty (eFI-style index)", category.code()),
            value: Value::Frailty(category),
        });
    }
    features.extend(activity(
        &[Setting::EmergencyAdmission],
        "emergency_admissions",
        ("emergency admission", "emergency admissions"),
        &[(1, 1), (2, 2), (3, u32::MAX)],
    ));
    features.extend(activity(
        &[Setting::AeAttendance],
        "ae_attendances",
        ("A&E attendance", "A&E attendances"),
        &[(1, 1), (2, 2), (3, u32::MAX)],
    ));
    features.extend(activity(
        &[Setting::ElectiveAdmission],
        "elective_admissions",
        ("elective admission", "elective admissions"),
        &[(1, 1), (2, u32::MAX)],
    ));
    features.extend(activity(
        &[Setting::Outpatient],
        "outpatient_attendances",
        ("outpatient attendance", "outpatient attendances"),
        &[(1, 2), (3, 5), (6, u32::MAX)],
    ));
    features.push(Feature {
        name: "social_care".into(),
        label: "social care in the 12 months".into(),
        value: Value::SocialCare,
    });
    features.push(Feature {
        name: "mental_health_contact".into(),
        label: "mental health contact or referral in the 12 months".into(),
        value: Value::MentalHealthContact,
    });
    features
}

fn condition_words(condition: Condition) -> &'static str {
    match condition {
        Condition::Hypertension => "hypertension",
        Condition::Diabetes => "diabetes",
        Condition::Copd => "COPD",
        Condition::Asthma => "asthma",
        Condition::CoronaryHeartDisease => "coronary heart disease",
        Condition::HeartFailure => "heart failure",
        Condition::AtrialFibrillation => "atrial fibrillation",
        Condition::StrokeTia => "stroke or TIA",
        Condition::ChronicKidneyDisease => "chronic kidney disease",
        Condition::Cancer => "cancer",
        Condition::Dementia => "dementia",
        Condition::Depression => "depression",
        Condition::SeriousMentalIllness => "serious mental illness",
        Condition::LearningDisability => "learning disability",
        Condition::Osteoarthritis => "osteoarthritis",
        Condition::Osteoporosis => "osteoporosis",
        Condition::Epilepsy => "epilepsy",
        _ => "a recorded flag",
    }
}

impl Feature {
    /// The column's value (0 or 1) for a person on the date.
    pub fn value(&self, person: &PersonAt, histories: &Histories) -> f64 {
        f64::from(u8::from(self.holds(person, histories)))
    }

    /// Whether the column is 1 for a person on the date.
    pub fn holds(&self, person: &PersonAt, histories: &Histories) -> bool {
        match self.value {
            Value::Intercept => true,
            Value::AgeBand(low, high) => (low..=high).contains(&person.age),
            Value::Male => histories.people[person.person].sex == Sex::Male,
            Value::ImdQuintile(q) => imd_quintile(histories.people[person.person].imd_decile) == q,
            Value::Condition(c) => person.has(c),
            Value::LongTermConditions(low, high) => {
                (low..=high).contains(&person.long_term_conditions)
            }
            Value::Frailty(category) => person.age >= 65 && person.frailty.category() == category,
            Value::Activity(settings, low, high) => {
                let count: u32 = settings.iter().map(|s| person.in_year(*s)).sum();
                (low..=high).contains(&count)
            }
            Value::SocialCare => SOCIAL_CARE.iter().any(|s| person.in_year(*s) > 0),
            Value::MentalHealthContact => MENTAL_HEALTH.iter().any(|s| person.in_year(*s) > 0),
        }
    }
}

/// IMD quintile 1 (most deprived) to 5 from the decile.
pub fn imd_quintile(decile: u8) -> u8 {
    decile.div_ceil(2).clamp(1, 5)
}

/// The design matrix of `features` for these people.
pub fn design(features: &[Feature], people: &[PersonAt], histories: &Histories) -> Design {
    let names = features.iter().map(|f| f.name.clone()).collect();
    let values = people
        .iter()
        .flat_map(|p| features.iter().map(move |f| f.value(p, histories)))
        .collect();
    // The values were laid out row by row with one per feature, so this cannot fail.
    Design::from_values(names, values).unwrap_or_else(|_| Design::new(Vec::new()))
}

/// The features by name, in the order given (unknown names are skipped).
pub fn features_named(names: &[String]) -> Vec<Feature> {
    let all = all_features();
    names
        .iter()
        .filter_map(|n| all.iter().find(|f| &f.name == n).cloned())
        .collect()
}

/// Which of a list of features hold for a person, as bits (feature j at bit j), from tables
/// built once for the list instead of testing each feature in turn: the risk score reads it
/// for every person-month of an evaluation. Lists of more than 64 features have no table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Holding {
    always: u64,
    male: u64,
    /// By IMD quintile (0 to 5).
    imd_quintile: [u64; 6],
    /// By condition position in `Condition::ALL`.
    condition: [u64; 32],
    /// By frailty category position, for people aged 65 and over.
    frailty: [u64; 4],
    age_bands: Vec<(i32, i32, u64)>,
    long_term_conditions: Vec<(u32, u32, u64)>,
    activity: Vec<(&'static [Setting], u32, u32, u64)>,
    social_care: u64,
    mental_health_contact: u64,
}

impl Holding {
    pub(crate) fn of(features: &[Feature]) -> Option<Holding> {
        if features.len() > 64 {
            return None;
        }
        let mut holding = Holding {
            always: 0,
            male: 0,
            imd_quintile: [0; 6],
            condition: [0; 32],
            frailty: [0; 4],
            age_bands: Vec::new(),
            long_term_conditions: Vec::new(),
            activity: Vec::new(),
            social_care: 0,
            mental_health_contact: 0,
        };
        for (j, feature) in features.iter().enumerate() {
            let bit = 1u64 << j;
            match feature.value {
                Value::Intercept => holding.always |= bit,
                Value::AgeBand(low, high) => holding.age_bands.push((low, high, bit)),
                Value::Male => holding.male |= bit,
                Value::ImdQuintile(q) => {
                    if let Some(slot) = holding.imd_quintile.get_mut(usize::from(q)) {
                        *slot |= bit;
                    }
                }
                Value::Condition(c) => holding.condition[c.index()] |= bit,
                Value::LongTermConditions(low, high) => {
                    holding.long_term_conditions.push((low, high, bit));
                }
                Value::Frailty(category) => holding.frailty[category as usize] |= bit,
                Value::Activity(settings, low, high) => {
                    holding.activity.push((settings, low, high, bit));
                }
                Value::SocialCare => holding.social_care |= bit,
                Value::MentalHealthContact => holding.mental_health_contact |= bit,
            }
        }
        Some(holding)
    }

    /// The bits of the features that hold for a person on the date: those of
    /// [`Feature::holds`].
    pub(crate) fn holding(&self, person: &PersonAt, histories: &Histories) -> u64 {
        let fixed = &histories.people[person.person];
        let mut bits = self.always | self.imd_quintile[usize::from(imd_quintile(fixed.imd_decile))];
        if fixed.sex == Sex::Male {
            bits |= self.male;
        }
        let mut conditions = person.conditions;
        while conditions != 0 {
            bits |= self.condition[conditions.trailing_zeros() as usize];
            conditions &= conditions - 1;
        }
        if person.age >= 65 {
            bits |= self.frailty[person.frailty.category() as usize];
        }
        for &(low, high, bit) in &self.age_bands {
            if (low..=high).contains(&person.age) {
                bits |= bit;
            }
        }
        for &(low, high, bit) in &self.long_term_conditions {
            if (low..=high).contains(&person.long_term_conditions) {
                bits |= bit;
            }
        }
        for &(settings, low, high, bit) in &self.activity {
            let count: u32 = settings.iter().map(|s| person.in_year(*s)).sum();
            if (low..=high).contains(&count) {
                bits |= bit;
            }
        }
        if SOCIAL_CARE.iter().any(|s| person.in_year(*s) > 0) {
            bits |= self.social_care;
        }
        if MENTAL_HEALTH.iter().any(|s| person.in_year(*s) > 0) {
            bits |= self.mental_health_contact;
        }
        bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_cohort::frailty::Frailty;
    use accord_cohort::history::{Person, Practice, Records};
    use accord_model::{EthnicGroup, Vocabulary};
    use proptest::prelude::*;

    fn histories(sex: Sex, imd_decile: u8) -> Histories {
        Histories::from_records(Records {
            people: vec![Person {
                id: 1,
                sex,
                birth_day: 0,
                death_day: None,
                ethnic_group: EthnicGroup::ALL[0],
                imd_decile,
            }],
            practices: vec![Practice {
                code: "P1".into(),
                network: None,
                locality: "L".into(),
            }],
            ..Records::default()
        })
        .unwrap()
    }

    proptest! {
        /// The table's bits are the features that hold, tested one by one.
        #[test]
        fn the_table_finds_the_features_that_hold(
            male in any::<bool>(),
            imd_decile in 0u8..=10,
            age in -2i32..=110,
            conditions in any::<u32>(),
            long_term_conditions in 0u32..=8,
            deficits in any::<u32>(),
            in_year in proptest::array::uniform14(0u16..=7),
        ) {
            let histories = histories(if male { Sex::Male } else { Sex::Female }, imd_decile);
            let person = PersonAt {
                person: 0,
                age,
                practice: 0,
                conditions,
                long_term_conditions,
                in_year,
                cost_in_year: 0.0,
                social_care_on_day: false,
                frailty: Frailty { deficits },
            };
            let features = all_features();
            let holding = Holding::of(&features).unwrap();
            let bits = holding.holding(&person, &histories);
            for (j, feature) in features.iter().enumerate() {
                prop_assert_eq!(bits >> j & 1 == 1, feature.holds(&person, &histories), "{}", feature.name);
            }
        }
    }
}

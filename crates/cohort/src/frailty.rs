//! The eFI-style frailty index (Clegg et al. 2016, as docs/methods.md adapts it): the deficits
//! of the electronic frailty index that the canonical dataset can express, each with the
//! record that triggered it, counted over the eFI's 36 and put in its categories by integer
//! comparison (0-4 fit, 5-8 mild, 9-12 moderate, 13 or more severe).
//!
//! Only 15 of the 36 deficits can be expressed from the dataset's conditions and activity;
//! the other 21 (listed in `NOT_EXPRESSIBLE`) are never present, so the index can only
//! under-count frailty. That is why it is called eFI-style, not eFI.

use accord_model::{Condition, Setting};
use serde::{Deserialize, Serialize};

use crate::history::{ConditionSpell, Event, History};

/// The eFI's number of deficits: the denominator of the score.
pub const EFI_DEFICITS: u32 = 36;

/// An eFI deficit that the dataset can express.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deficit {
    /// Arthritis.
    Arthritis,
    /// Atrial fibrillation.
    AtrialFibrillation,
    /// Coronary heart disease.
    CoronaryHeartDisease,
    /// Chronic kidney disease.
    ChronicKidneyDisease,
    /// Diabetes.
    Diabetes,
    /// A fall.
    Falls,
    /// A fragility fracture.
    FragilityFracture,
    /// Heart failure.
    HeartFailure,
    /// Hypertension.
    Hypertension,
    /// Memory and cognitive problems (dementia).
    MemoryAndCognitiveProblems,
    /// Osteoporosis.
    Osteoporosis,
    /// A requirement for care (a package of social care).
    RequirementForCare,
    /// Respiratory disease (asthma, COPD).
    RespiratoryDisease,
    /// Social vulnerability.
    SocialVulnerability,
    /// Stroke or transient ischaemic attack.
    StrokeTia,
}

impl Deficit {
    /// Every expressible deficit.
    pub const ALL: [Deficit; 15] = [
        Deficit::Arthritis,
        Deficit::AtrialFibrillation,
        Deficit::CoronaryHeartDisease,
        Deficit::ChronicKidneyDisease,
        Deficit::Diabetes,
        Deficit::Falls,
        Deficit::FragilityFracture,
        Deficit::HeartFailure,
        Deficit::Hypertension,
        Deficit::MemoryAndCognitiveProblems,
        Deficit::Osteoporosis,
        Deficit::RequirementForCare,
        Deficit::RespiratoryDisease,
        Deficit::SocialVulnerability,
        Deficit::StrokeTia,
    ];

    /// The eFI's name for the deficit.
    pub fn name(self) -> &'static str {
        match self {
            Deficit::Arthritis => "arthritis",
            Deficit::AtrialFibrillation => "atrial fibrillation",
            Deficit::CoronaryHeartDisease => "coronary heart disease",
            Deficit::ChronicKidneyDisease => "chronic kidney disease",
            Deficit::Diabetes => "diabetes",
            Deficit::Falls => "falls",
            Deficit::FragilityFracture => "fragility fracture",
            Deficit::HeartFailure => "heart failure",
            Deficit::Hypertension => "hypertension",
            Deficit::MemoryAndCognitiveProblems => "memory and cognitive problems",
            Deficit::Osteoporosis => "osteoporosis",
            Deficit::RequirementForCare => "requirement for care",
            Deficit::RespiratoryDisease => "respiratory disease",
            Deficit::SocialVulnerability => "social vulnerability",
            Deficit::StrokeTia => "stroke and TIA",
        }
    }

    /// How the dataset expresses it.
    pub fn rule(self) -> &'static str {
        match self {
            Deficit::Arthritis => "condition osteoarthritis open",
            Deficit::AtrialFibrillation => "condition atrial_fibrillation open",
            Deficit::CoronaryHeartDisease => "condition chd open",
            Deficit::ChronicKidneyDisease => "condition ckd open",
            Deficit::Diabetes => "condition diabetes open",
            Deficit::Falls => {
                "any activity with an ICD-10 diagnosis W00-W19 (a fall) before the date"
            }
            Deficit::FragilityFracture => {
                "any activity with a fragility-fracture diagnosis (S72.0-S72.2 hip, S52.5 wrist, S22.0 or S32.0 vertebra, S42.2 humerus) before the date"
            }
            Deficit::HeartFailure => "condition heart_failure open",
            Deficit::Hypertension => "condition hypertension open",
            Deficit::MemoryAndCognitiveProblems => "condition dementia open",
            Deficit::Osteoporosis => "condition osteoporosis open",
            Deficit::RequirementForCare => {
                "a social care package (home care, reablement, residential or nursing) open in the 12 months to the date, or condition care_home_resident open"
            }
            Deficit::RespiratoryDisease => "condition copd or asthma open",
            Deficit::SocialVulnerability => "a safeguarding alert in the 12 months to the date",
            Deficit::StrokeTia => "condition stroke_tia open",
        }
    }

    pub(crate) fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The deficit a condition expresses, if any.
    fn of_condition(condition: Condition) -> Option<Deficit> {
        Some(match condition {
            Condition::Osteoarthritis => Deficit::Arthritis,
            Condition::AtrialFibrillation => Deficit::AtrialFibrillation,
            Condition::CoronaryHeartDisease => Deficit::CoronaryHeartDisease,
            Condition::ChronicKidneyDisease => Deficit::ChronicKidneyDisease,
            Condition::Diabetes => Deficit::Diabetes,
            Condition::HeartFailure => Deficit::HeartFailure,
            Condition::Hypertension => Deficit::Hypertension,
            Condition::Dementia => Deficit::MemoryAndCognitiveProblems,
            Condition::Osteoporosis => Deficit::Osteoporosis,
            Condition::Copd | Condition::Asthma => Deficit::RespiratoryDisease,
            Condition::StrokeTia => Deficit::StrokeTia,
            Condition::CareHomeResident => Deficit::RequirementForCare,
            _ => return None,
        })
    }
}

/// The eFI deficits the canonical dataset cannot express (no code lists, observations or
/// prescriptions for them): never counted.
pub const NOT_EXPRESSIBLE: [&str; 21] = [
    "activity limitation",
    "anaemia and haematinic deficiency",
    "dizziness",
    "dyspnoea",
    "foot problems",
    "hearing impairment",
    "heart valve disease",
    "housebound",
    "hypotension or syncope",
    "mobility and transfer problems",
    "Parkinsonism and tremor",
    "peptic ulcer",
    "peripheral vascular disease",
    "polypharmacy",
    "skin ulcer",
    "sleep disturbance",
    "thyroid disease",
    "urinary incontinence",
    "urinary system disease",
    "visual impairment",
    "weight loss and anorexia",
];

/// The eFI categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrailtyCategory {
    /// eFI score up to 0.12.
    Fit,
    /// eFI score above 0.12, up to 0.24.
    Mild,
    /// eFI score above 0.24, up to 0.36.
    Moderate,
    /// eFI score above 0.36.
    Severe,
}

impl FrailtyCategory {
    /// Every category, fittest first.
    pub const ALL: [FrailtyCategory; 4] = [
        FrailtyCategory::Fit,
        FrailtyCategory::Mild,
        FrailtyCategory::Moderate,
        FrailtyCategory::Severe,
    ];

    /// The category of `present` deficits out of `of`, compared in integers (score ≤ 0.12
    /// fit, ≤ 0.24 mild, ≤ 0.36 moderate, above that severe).
    pub fn of(present: u32, of: u32) -> FrailtyCategory {
        let hundredths = 100 * present;
        if hundredths <= 12 * of {
            FrailtyCategory::Fit
        } else if hundredths <= 24 * of {
            FrailtyCategory::Mild
        } else if hundredths <= 36 * of {
            FrailtyCategory::Moderate
        } else {
            FrailtyCategory::Severe
        }
    }

    /// The category's code.
    pub fn code(self) -> &'static str {
        match self {
            FrailtyCategory::Fit => "fit",
            FrailtyCategory::Mild => "mild",
            FrailtyCategory::Moderate => "moderate",
            FrailtyCategory::Severe => "severe",
        }
    }
}

/// A person's deficits on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Frailty {
    /// One bit per `Deficit`.
    pub deficits: u32,
}

impl Frailty {
    /// Deficits present.
    pub fn count(self) -> u32 {
        self.deficits.count_ones()
    }

    /// The eFI category of the deficits present out of the eFI's 36.
    pub fn category(self) -> FrailtyCategory {
        FrailtyCategory::of(self.count(), EFI_DEFICITS)
    }
}

/// The record that made a deficit present.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence<'a> {
    /// A condition spell.
    Condition(&'a ConditionSpell),
    /// An activity row.
    Event(&'a Event),
}

/// Is this ICD-10 code a fall (W00-W19)?
fn is_fall(code: &str) -> bool {
    code.strip_prefix('W')
        .and_then(|rest| rest.get(..2))
        .and_then(|n| n.parse::<u8>().ok())
        .is_some_and(|n| n <= 19)
}

/// Is this ICD-10 code a fragility fracture (hip, wrist, vertebra, proximal humerus)?
fn is_fragility_fracture(code: &str) -> bool {
    [
        "S72.0", "S72.1", "S72.2", "S52.5", "S22.0", "S32.0", "S42.2",
    ]
    .iter()
    .any(|prefix| starts_with_ignoring_dots(code, prefix))
}

/// Does `code` start with `prefix`, dots left out of both ("S720" and "S72.0" alike)?
/// Read in place, without allocating: this runs for every coded event of a dataset.
fn starts_with_ignoring_dots(code: &str, prefix: &str) -> bool {
    let mut code = code.chars().filter(|&c| c != '.');
    prefix
        .chars()
        .filter(|&c| c != '.')
        .all(|p| code.next() == Some(p))
}

/// The deficit an open condition spell shows on `day`, if any.
pub(crate) fn condition_deficit(spell: &ConditionSpell, day: i32) -> Option<Deficit> {
    (spell.onset <= day && day < spell.resolved)
        .then(|| Deficit::of_condition(spell.condition))
        .flatten()
}

/// The deficits (as bits of [`Frailty::deficits`]) that an event's diagnosis shows, on
/// every date from its start on.
pub(crate) fn diagnosis_deficits(event: &Event) -> u32 {
    let mut mask = 0;
    if let Some(code) = event.diagnosis.as_deref() {
        if is_fall(code) {
            mask |= Deficit::Falls.bit();
        }
        if is_fragility_fracture(code) {
            mask |= Deficit::FragilityFracture.bit();
        }
    }
    mask
}

/// The deficits (as bits of [`Frailty::deficits`]) that one event starting on or before the
/// date shows, given those its diagnosis shows and the first day of the 12 months to the
/// date.
pub(crate) fn event_deficits(event: &Event, diagnosed: u32, year_from: i32) -> u32 {
    let mut mask = diagnosed;
    if event.end >= year_from {
        if event.setting.is_social_care() {
            mask |= Deficit::RequirementForCare.bit();
        }
        if event.setting == Setting::SafeguardingAlert && event.start >= year_from {
            mask |= Deficit::SocialVulnerability.bit();
        }
    }
    mask
}

/// Every deficit present on `day`, each with the first record found that triggers it.
/// `year_from` is the first day of the 12 months to `day`.
pub fn deficits_with_evidence<'a>(
    history: &History<'a>,
    day: i32,
    year_from: i32,
) -> Vec<(Deficit, Evidence<'a>)> {
    let mut found: Vec<(Deficit, Evidence<'a>)> = Vec::new();
    let mut mask = 0u32;
    let mut add = |deficit: Deficit, evidence: Evidence<'a>, found: &mut Vec<_>| {
        if mask & deficit.bit() == 0 {
            mask |= deficit.bit();
            found.push((deficit, evidence));
        }
    };
    let conditions: &'a [ConditionSpell] = history.conditions;
    for spell in conditions {
        if let Some(deficit) = condition_deficit(spell, day) {
            add(deficit, Evidence::Condition(spell), &mut found);
        }
    }
    for (event, diagnosed) in history.events_to(day) {
        let shown = event_deficits(event, diagnosed, year_from);
        if shown == 0 {
            continue;
        }
        for deficit in Deficit::ALL {
            if shown & deficit.bit() != 0 {
                add(deficit, Evidence::Event(event), &mut found);
            }
        }
    }
    found.sort_by_key(|(d, _)| *d);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_are_compared_in_integers() {
        let categories: Vec<FrailtyCategory> =
            (0..=15).map(|k| FrailtyCategory::of(k, 36)).collect();
        use FrailtyCategory::*;
        assert_eq!(
            categories,
            vec![
                Fit, Fit, Fit, Fit, Fit, Mild, Mild, Mild, Mild, Moderate, Moderate, Moderate,
                Moderate, Severe, Severe, Severe
            ]
        );
        // With 25 deficits, 3/25 is exactly 0.12: fit, which floats can get wrong.
        assert_eq!(FrailtyCategory::of(3, 25), Fit);
        assert_eq!(FrailtyCategory::of(4, 25), Mild);
        assert_eq!(FrailtyCategory::of(6, 25), Mild);
        assert_eq!(FrailtyCategory::of(9, 25), Moderate);
        assert_eq!(FrailtyCategory::of(10, 25), Severe);
    }

    #[test]
    fn deficits_listed_once_each_and_all_36_accounted_for() {
        assert_eq!(
            Deficit::ALL.len() + NOT_EXPRESSIBLE.len(),
            EFI_DEFICITS as usize
        );
        for (i, d) in Deficit::ALL.iter().enumerate() {
            assert_eq!(*d as usize, i);
        }
    }

    #[test]
    fn fall_and_fracture_codes() {
        assert!(is_fall("W19") && is_fall("W01.2") && is_fall("W10X"));
        assert!(!is_fall("W20") && !is_fall("X00") && !is_fall("W"));
        assert!(is_fragility_fracture("S72.0") && is_fragility_fracture("S720"));
        assert!(!is_fragility_fracture("S72.3") && !is_fragility_fracture("I21"));
        assert!(is_fragility_fracture("S72.01") && is_fragility_fracture("S3201"));
        assert!(!is_fragility_fracture("S72") && !is_fragility_fracture(""));
    }
}

//! The figures of [`docs/calibration.md`] for an inner-London borough, as the
//! generator's defaults. Rates are per person per year unless a name says otherwise.

use accord_model::{Condition, EthnicGroup, Setting};

/// Population age bands: (lowest age, highest age inclusive, share of registered people).
pub const AGE_BANDS: [(u32, u32, f64); 8] = [
    (0, 4, 0.055),
    (5, 17, 0.12),
    (18, 24, 0.11),
    (25, 44, 0.41),
    (45, 64, 0.213),
    (65, 74, 0.05),
    (75, 84, 0.03),
    (85, 99, 0.012),
];

/// Share of people by IMD decile (1 = most deprived); deciles 7-10 share 11%.
pub const IMD_DECILES: [f64; 10] = [
    0.15, 0.25, 0.20, 0.13, 0.09, 0.07, 0.0275, 0.0275, 0.0275, 0.0275,
];

/// Share of people by ethnic group.
pub const ETHNICITY: [(EthnicGroup, f64); 6] = [
    (EthnicGroup::White, 0.60),
    (EthnicGroup::Black, 0.13),
    (EthnicGroup::Asian, 0.12),
    (EthnicGroup::Mixed, 0.08),
    (EthnicGroup::Other, 0.05),
    (EthnicGroup::Unknown, 0.02),
];

/// How a long-term condition is distributed.
#[derive(Debug, Clone, Copy)]
pub struct ConditionProfile {
    /// The condition.
    pub condition: Condition,
    /// Share of registered people (of adults for depression) with the condition.
    pub prevalence: f64,
    /// Relative prevalence in the activity age bands (0-4, 5-14, 15-44, 45-64, 65-74,
    /// 75-84, 85+).
    pub by_age: [f64; 7],
    /// Ratio between the most and the least deprived decile.
    pub deprivation_ratio: f64,
    /// Extra multiplier for South Asian groups (diabetes).
    pub asian_ratio: f64,
    /// Added to the log of every activity rate while the condition is present: how much
    /// it raises need.
    pub need_weight: f64,
    /// ICD-10 code recorded as `source_code`.
    pub icd10: &'static str,
    /// True where only adults are counted in the prevalence (depression).
    pub adults_only: bool,
}

const fn profile(
    condition: Condition,
    prevalence: f64,
    by_age: [f64; 7],
    deprivation_ratio: f64,
    need_weight: f64,
    icd10: &'static str,
) -> ConditionProfile {
    ConditionProfile {
        condition,
        prevalence,
        by_age,
        deprivation_ratio,
        asian_ratio: 1.0,
        need_weight,
        icd10,
        adults_only: false,
    }
}

/// The seventeen long-term conditions.
pub const CONDITIONS: [ConditionProfile; 17] = [
    profile(
        Condition::Hypertension,
        0.085,
        [0.0, 0.0, 0.02, 0.25, 0.55, 0.65, 0.70],
        1.4,
        0.10,
        "I10",
    ),
    ConditionProfile {
        asian_ratio: 3.0,
        ..profile(
            Condition::Diabetes,
            0.050,
            [0.0, 0.002, 0.02, 0.12, 0.25, 0.28, 0.25],
            1.8,
            0.30,
            "E11",
        )
    },
    profile(
        Condition::Asthma,
        0.045,
        [0.05, 0.08, 0.05, 0.05, 0.06, 0.06, 0.05],
        1.3,
        0.20,
        "J45",
    ),
    profile(
        Condition::Copd,
        0.014,
        [0.0, 0.0, 0.002, 0.03, 0.08, 0.11, 0.10],
        2.0,
        0.70,
        "J44",
    ),
    profile(
        Condition::CoronaryHeartDisease,
        0.017,
        [0.0, 0.0, 0.002, 0.03, 0.10, 0.16, 0.20],
        1.5,
        0.40,
        "I25",
    ),
    profile(
        Condition::HeartFailure,
        0.006,
        [0.0, 0.0, 0.0005, 0.008, 0.03, 0.07, 0.12],
        1.5,
        0.80,
        "I50",
    ),
    profile(
        Condition::AtrialFibrillation,
        0.009,
        [0.0, 0.0, 0.001, 0.01, 0.05, 0.11, 0.17],
        1.1,
        0.30,
        "I48",
    ),
    profile(
        Condition::StrokeTia,
        0.009,
        [0.0, 0.0, 0.001, 0.012, 0.05, 0.09, 0.12],
        1.4,
        0.40,
        "I63",
    ),
    profile(
        Condition::ChronicKidneyDisease,
        0.020,
        [0.0, 0.0, 0.002, 0.025, 0.10, 0.22, 0.33],
        1.4,
        0.40,
        "N18",
    ),
    profile(
        Condition::Cancer,
        0.020,
        [0.0, 0.002, 0.005, 0.03, 0.09, 0.13, 0.15],
        1.0,
        0.60,
        "C80",
    ),
    profile(
        Condition::Dementia,
        0.004,
        [0.0, 0.0, 0.0, 0.001, 0.02, 0.07, 0.20],
        1.2,
        0.60,
        "F03",
    ),
    ConditionProfile {
        adults_only: true,
        ..profile(
            Condition::Depression,
            0.13,
            [0.0, 0.01, 1.0, 1.1, 0.9, 0.8, 0.8],
            1.5,
            0.20,
            "F32",
        )
    },
    profile(
        Condition::SeriousMentalIllness,
        0.016,
        [0.0, 0.0, 1.0, 1.2, 0.8, 0.6, 0.5],
        2.0,
        0.50,
        "F20",
    ),
    profile(
        Condition::LearningDisability,
        0.005,
        [0.6, 1.0, 1.0, 0.8, 0.6, 0.4, 0.3],
        1.3,
        0.40,
        "F79",
    ),
    profile(
        Condition::Osteoarthritis,
        0.040,
        [0.0, 0.0, 0.01, 0.08, 0.20, 0.30, 0.35],
        1.3,
        0.10,
        "M19",
    ),
    profile(
        Condition::Osteoporosis,
        0.008,
        [0.0, 0.0, 0.0005, 0.008, 0.04, 0.08, 0.12],
        1.0,
        0.20,
        "M81",
    ),
    profile(
        Condition::Epilepsy,
        0.006,
        [0.5, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0],
        1.5,
        0.40,
        "G40",
    ),
];

/// Activity age bands (docs/calibration.md's activity table): the index of an age.
pub fn activity_band(age: i32) -> usize {
    match age {
        i32::MIN..=4 => 0,
        5..=14 => 1,
        15..=44 => 2,
        45..=64 => 3,
        65..=74 => 4,
        75..=84 => 5,
        _ => 6,
    }
}

/// A setting generated as counts from need: its rate per person-year by activity band,
/// how strongly need raises it, and what one contact costs.
#[derive(Debug, Clone, Copy)]
pub struct EventSetting {
    /// The setting.
    pub setting: Setting,
    /// Contacts per person-year in each activity age band (0-4, 5-14, 15-44, 45-64, 65-74, 75-84, 85+).
    pub per_year: [f64; 7],
    /// How strongly need raises the rate (the exponent's loading).
    pub need_loading: f64,
    /// What one contact costs, in pounds.
    pub unit_cost: f64,
}

const fn event(
    setting: Setting,
    per_year: [f64; 7],
    need_loading: f64,
    unit_cost: f64,
) -> EventSetting {
    EventSetting {
        setting,
        per_year,
        need_loading,
        unit_cost,
    }
}

/// Contacts, attendances and admissions generated from need.
pub const EVENT_SETTINGS: [EventSetting; 10] = [
    event(
        Setting::AeAttendance,
        [0.55, 0.30, 0.42, 0.33, 0.38, 0.60, 1.00],
        0.7,
        180.0,
    ),
    event(
        Setting::EmergencyAdmission,
        [0.13, 0.04, 0.065, 0.085, 0.16, 0.30, 0.55],
        1.0,
        2200.0,
    ),
    event(
        Setting::ElectiveAdmission,
        [0.04, 0.03, 0.09, 0.18, 0.38, 0.42, 0.38],
        0.4,
        1600.0,
    ),
    event(
        Setting::Outpatient,
        [0.9, 0.7, 1.3, 2.0, 3.4, 4.0, 3.5],
        0.5,
        145.0,
    ),
    event(
        Setting::Gp,
        [6.0, 2.5, 4.0, 5.0, 7.0, 9.0, 11.0],
        0.35,
        42.0,
    ),
    event(
        Setting::Community,
        [0.3, 0.1, 0.15, 0.4, 1.5, 4.0, 7.0],
        0.9,
        55.0,
    ),
    event(
        Setting::MentalHealth,
        [0.0, 0.05, 0.15, 0.12, 0.08, 0.08, 0.08],
        0.3,
        150.0,
    ),
    event(
        Setting::MentalHealthReferral,
        [0.0, 0.005, 0.02, 0.015, 0.01, 0.01, 0.01],
        0.3,
        0.0,
    ),
    event(
        Setting::SafeguardingAlert,
        [0.0, 0.0, 0.003, 0.004, 0.01, 0.02, 0.04],
        0.8,
        0.0,
    ),
    event(
        Setting::Voluntary,
        [0.0, 0.0, 0.02, 0.04, 0.08, 0.10, 0.10],
        0.4,
        20.0,
    ),
];

/// Weekly costs of social care packages (GBP).
pub const HOME_CARE_PER_HOUR: f64 = 25.0;
/// Hours of home care a week in a package.
pub const HOME_CARE_HOURS_PER_WEEK: f64 = 10.0;
/// A week of residential care.
pub const RESIDENTIAL_PER_WEEK: f64 = 850.0;
/// A week of nursing care.
pub const NURSING_PER_WEEK: f64 = 1000.0;
/// A week of reablement.
pub const REABLEMENT_PER_WEEK: f64 = 450.0;

/// Deaths: annual mortality `exp(GOMPERTZ_A + GOMPERTZ_B * age)` before need.
pub const GOMPERTZ_A: f64 = -10.8;
/// The Gompertz slope per year of age.
pub const GOMPERTZ_B: f64 = 0.095;

/// Leaving the borough's lists: annual hazard by population age band.
pub const LEAVE_HAZARD: [f64; 8] = [0.12, 0.12, 0.28, 0.28, 0.10, 0.05, 0.05, 0.05];

//! The validated form of a framework: what the engine compiles. Every value here has been
//! checked by `parse`; nothing in these types can name an unknown code.

use accord_model::{Condition, Setting, Sex};

/// The framework file format this crate reads (`format = 1`).
pub const FORMAT_VERSION: u32 = 1;

/// A partnership's outcomes framework.
#[derive(Debug, Clone, PartialEq)]
pub struct Framework {
    /// Short id used on the command line and in results (`tht`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The framework's own version, as the partnership numbers it.
    pub version: String,
    /// The partnership that agreed it.
    pub partnership: String,
    /// Where the framework comes from (a document, a board decision).
    pub source: String,
    /// What it is for.
    pub description: String,
    /// Its domains.
    pub domains: Vec<Domain>,
    /// Its outcomes, each in a domain.
    pub outcomes: Vec<Outcome>,
    /// Its indicators, each measuring an outcome.
    pub indicators: Vec<Indicator>,
    /// SHA-256 of the definition file's bytes, for provenance.
    pub sha256: String,
    /// The definition file's text, kept so that a results snapshot can carry it.
    pub text: String,
}

impl Framework {
    /// The outcomes of a domain, in file order.
    pub fn outcomes_of<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a Outcome> {
        self.outcomes.iter().filter(move |o| o.domain == domain)
    }

    /// The indicators of an outcome, in file order.
    pub fn indicators_of<'a>(&'a self, outcome: &'a str) -> impl Iterator<Item = &'a Indicator> {
        self.indicators.iter().filter(move |i| i.outcome == outcome)
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// A domain of the framework (a theme its outcomes fall under).
#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it covers.
    pub description: Option<String>,
}

/// An outcome, stated as the person would say it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Its id.
    pub id: String,
    /// The domain it belongs to.
    pub domain: String,
    /// The outcome, as the partnership states it.
    pub statement: String,
    /// The board or workstream that owns the outcome.
    pub owner: Option<String>,
}

/// One indicator: what it measures, for whom, over what periods, and what good looks like.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Its id.
    pub id: String,
    /// The outcome it measures.
    pub outcome: String,
    /// Its name.
    pub name: String,
    /// What it shows, in words.
    pub description: Option<String>,
    /// What it counts, and how.
    pub measure: Measure,
    /// Who is counted.
    pub population: Population,
    /// The periods its figures cover.
    pub period: PeriodKind,
    /// Which direction is good.
    pub polarity: Polarity,
    /// The partnership's target, if any.
    pub target: Option<Target>,
    /// An external comparator (England, London) for the whole-population figure.
    pub benchmark: Option<Benchmark>,
    /// The national indicator it matches, if any.
    pub national: Option<NationalCode>,
    /// Overrides the outcome's owner.
    pub owner: Option<String>,
    /// The breakdowns to compute; `All` is always first.
    pub breakdowns: Vec<Breakdown>,
}

/// What an indicator counts, and how.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// People in the population on the period's last day who meet the criterion.
    Proportion(Criterion),
    /// Events while registered, per `per` person-years.
    Rate {
        /// The events counted.
        events: Events,
        /// The person-years the rate is expressed per (1,000, 100,000).
        per: f64,
    },
    /// Events per `per` person-years, directly age-standardised to the European Standard
    /// Population 2013.
    StandardisedRate {
        /// The events counted.
        events: Events,
        /// The person-years the rate is expressed per.
        per: f64,
    },
    /// The mean of each person's latest observation in the period.
    MeanObservation {
        /// The code.
        code: String,
    },
    /// The mean cost per person of the events in the period (people with none count as 0).
    MeanCost {
        /// The events costed.
        events: Events,
    },
    /// The share of survey answers scoring 4 or 5 on the 1-5 scale.
    SurveyAgreement {
        /// The survey's id.
        survey: String,
        /// The items whose answers count; all where empty.
        items: Vec<String>,
    },
}

impl Measure {
    /// The definition-file name of the measure.
    pub fn code(&self) -> &'static str {
        match self {
            Measure::Proportion(_) => "proportion",
            Measure::Rate { .. } => "rate",
            Measure::StandardisedRate { .. } => "standardised_rate",
            Measure::MeanObservation { .. } => "mean_observation",
            Measure::MeanCost { .. } => "mean_cost",
            Measure::SurveyAgreement { .. } => "survey_agreement",
        }
    }

    /// How a value is shown: what one unit of it means.
    pub fn unit(&self) -> String {
        match self {
            Measure::Proportion(_) | Measure::SurveyAgreement { .. } => "%".into(),
            Measure::Rate { per, .. } => format!("per {} person-years", thousands(*per)),
            Measure::StandardisedRate { per, .. } => {
                format!("per {} person-years, age-standardised", thousands(*per))
            }
            Measure::MeanObservation { code } => format!("mean {code}"),
            Measure::MeanCost { .. } => "£ per person".into(),
        }
    }
}

fn thousands(value: f64) -> String {
    let digits = format!("{}", value.round() as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What makes a person count in a proportion's numerator.
#[derive(Debug, Clone, PartialEq)]
pub enum Criterion {
    /// At least one matching event in the period.
    Event(Events),
    /// Any of these conditions open on the period's last day.
    Condition(Vec<Condition>),
    /// The latest observation of `code` in the period lies within [min, max].
    Observation {
        /// The code.
        code: String,
        /// The least value that counts, if any.
        min: Option<f64>,
        /// The most value that counts, if any.
        max: Option<f64>,
    },
}

/// Activity rows of some settings, optionally with diagnoses starting with given prefixes.
#[derive(Debug, Clone, PartialEq)]
pub struct Events {
    /// The settings counted.
    pub settings: Vec<Setting>,
    /// Diagnosis code prefixes; any diagnosis where empty.
    pub diagnosis_prefixes: Vec<String>,
    /// Count an episode once: a row counts only if the person had no row of these settings
    /// ending in the 45 days before it starts (packages of care are billed period by period).
    pub new_episodes_only: bool,
}

/// Who is counted: people registered in the period, filtered by what is true of them on
/// the period's last day. An empty list means no filter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Population {
    /// The youngest age counted.
    pub min_age: Option<u32>,
    /// The oldest age counted.
    pub max_age: Option<u32>,
    /// The sexes counted.
    pub sexes: Vec<Sex>,
    /// Any of these conditions open on the last day.
    pub conditions: Vec<Condition>,
    /// Bounds on the number of long-term conditions open on the last day.
    pub min_long_term_conditions: Option<u32>,
    /// The most long-term conditions.
    pub max_long_term_conditions: Option<u32>,
    /// IMD quintiles, 1 = most deprived.
    pub imd_quintiles: Vec<u8>,
    /// Life-course segments.
    pub life_course: Vec<LifeCourse>,
    /// West London tiers 0-3 (people aged 65 and over only).
    pub west_london_tiers: Vec<u8>,
}

impl Population {
    /// True when the definition filters nobody out.
    pub fn is_everyone(&self) -> bool {
        self == &Population::default()
    }
}

/// Declares a closed set of definition-file codes.
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The code used in definition files and results.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            /// The member with this code.
            pub fn from_code(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|m| m.code() == code)
            }
            /// The codes, comma-separated, for error messages.
            pub fn allowed() -> String {
                Self::ALL.iter().map(|m| m.code()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

codes! {
    /// The periods an indicator is computed for; every complete period in the data.
    PeriodKind {
        /// Twelve months ending at each quarter end.
        Rolling12Months => "rolling_12_months",
        /// April to March.
        FinancialYear => "financial_year",
        /// Calendar quarters.
        Quarter => "quarter",
        /// Calendar months.
        Month => "month",
    }
}

codes! {
    /// Which direction is good.
    Polarity {
        /// Higher values are better.
        HigherIsBetter => "higher_is_better",
        /// Lower values are better.
        LowerIsBetter => "lower_is_better",
        /// Neither: comparisons say higher or lower, never better or worse.
        NoJudgement => "no_judgement",
    }
}

codes! {
    /// The ways every figure is broken down.
    Breakdown {
        /// The whole population.
        All => "all",
        /// By sex.
        Sex => "sex",
        /// By age band.
        AgeBand => "age_band",
        /// By ethnic group.
        EthnicGroup => "ethnic_group",
        /// By IMD quintile of the person's area.
        ImdQuintile => "imd_quintile",
        /// By locality of the practice.
        Locality => "locality",
        /// By network of the practice.
        Network => "network",
        /// By practice.
        Practice => "practice",
        /// By life-course segment.
        LifeCourse => "life_course",
        /// By West London tier (people aged 65 and over).
        WestLondonTier => "west_london_tier",
        /// Bridges to Health segment on the period's last day (accord-cohort's model file).
        BridgesToHealth => "bridges_to_health",
        /// Complex-needs group on the period's last day (accord-cohort's model file).
        ComplexNeeds => "complex_needs",
    }
}

codes! {
    /// Tower Hamlets Together's life-course segments (seed 000), on the period's last day.
    LifeCourse {
        /// Aged 0-4, or pregnant.
        EarlyYears => "pregnancy_and_early_years",
        /// Aged 5-17.
        Childhood => "childhood_and_adolescence",
        /// Aged 18-64.
        Adult => "being_an_adult",
        /// Aged 65 and over.
        GrowingOld => "growing_old",
    }
}

codes! {
    /// National frameworks that an indicator can be cross-referenced to.
    NationalFramework {
        /// The NHS Outcomes Framework.
        NhsOutcomesFramework => "nhs_of",
        /// The Adult Social Care Outcomes Framework.
        Ascof => "ascof",
        /// The Public Health Outcomes Framework.
        Phof => "phof",
        /// The Quality and Outcomes Framework.
        Qof => "qof",
        /// The GP Patient Survey.
        GpPatientSurvey => "gpps",
        /// The NHS Staff Survey.
        NhsStaffSurvey => "nhs_staff_survey",
    }
}

/// The breakdowns every indicator gets unless it names its own. Survey indicators get
/// the first eight (everything but life course and West London tier): keep that order.
pub const PERSON_BREAKDOWNS: [Breakdown; 10] = [
    Breakdown::All,
    Breakdown::Sex,
    Breakdown::AgeBand,
    Breakdown::EthnicGroup,
    Breakdown::ImdQuintile,
    Breakdown::Locality,
    Breakdown::Network,
    Breakdown::Practice,
    Breakdown::LifeCourse,
    Breakdown::WestLondonTier,
];

/// Breakdowns a person-level indicator may name but does not get by default: segment
/// models evaluated from their definition files (for each period end, by accord-cohort).
pub const OPTIONAL_PERSON_BREAKDOWNS: [Breakdown; 2] =
    [Breakdown::BridgesToHealth, Breakdown::ComplexNeeds];

impl Breakdown {
    /// Is this a segment model evaluated from its definition file, not in SQL?
    pub fn is_segment_model_file(self) -> bool {
        OPTIONAL_PERSON_BREAKDOWNS.contains(&self)
    }
}

/// A target: a value to reach (by the polarity) or a range to stay in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Reach (or, for lower is better, stay below) this value.
    Value(f64),
    /// Stay within this range.
    Range {
        /// The least.
        lower: f64,
        /// The most.
        upper: f64,
    },
}

/// An external figure to compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct Benchmark {
    /// What the benchmark is ("England 2024/25").
    pub label: String,
    /// Its value.
    pub value: f64,
}

/// A national indicator's code.
#[derive(Debug, Clone, PartialEq)]
pub struct NationalCode {
    /// The national framework.
    pub framework: NationalFramework,
    /// The code in it.
    pub code: String,
}

//! The closed vocabularies of the canonical dataset: every coded text column holds one of
//! these codes and nothing else, so that definitions can name them and checks can reject
//! anything unknown with the row it came from.

use std::fmt;
use std::str::FromStr;

/// A code that is not in its vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} code {code:?} (allowed: {allowed})")]
pub struct UnknownCode {
    /// The vocabulary's name.
    pub vocabulary: &'static str,
    /// The code found.
    pub code: String,
    /// The codes allowed, comma-separated.
    pub allowed: String,
}

/// What every closed vocabulary offers: its name, its members and their codes.
pub trait Vocabulary: Sized + Copy + 'static {
    /// The vocabulary's name, as the column that holds it.
    const NAME: &'static str;
    /// Every member, in the documented order.
    const ALL: &'static [Self];
    /// The code stored in the dataset.
    fn code(self) -> &'static str;
    /// The member with this code, if any.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|member| member.code() == code)
    }
    /// The codes, comma-separated, for error messages.
    fn allowed_codes() -> String {
        Self::ALL
            .iter()
            .map(|m| m.code())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Declares a vocabulary enum with its codes, `Display`, `FromStr` and serde as the code.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident as $vocab:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("Code `", $code, "`.")] $variant ),+
        }

        impl Vocabulary for $name {
            const NAME: &'static str = $vocab;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl $name {
            /// The code stored in the dataset.
            pub fn as_str(self) -> &'static str {
                Vocabulary::code(self)
            }

            /// The member's position in `ALL`, without searching it: the variants are
            /// declared in `ALL`'s order and carry no explicit discriminants.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(Vocabulary::code(*self))
            }
        }

        impl FromStr for $name {
            type Err = UnknownCode;
            fn from_str(code: &str) -> Result<Self, UnknownCode> {
                <$name as Vocabulary>::from_code(code).ok_or_else(|| UnknownCode {
                    vocabulary: $vocab,
                    code: code.to_string(),
                    allowed: <$name as Vocabulary>::allowed_codes(),
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(Vocabulary::code(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = String::deserialize(d)?;
                code.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

vocabulary! {
    /// Where a contact, attendance, admission, package of care or alert happened.
    Setting as "setting" {
        /// A&E attendance.
        AeAttendance => "ae",
        /// Emergency (non-elective) admitted patient care.
        EmergencyAdmission => "apc_nel",
        /// Elective or day-case admission.
        ElectiveAdmission => "apc_el",
        /// Outpatient attendance.
        Outpatient => "op",
        /// GP or practice nurse appointment.
        Gp => "gp",
        /// Community health contact (district nursing, matrons, therapies).
        Community => "community",
        /// Mental health contact.
        MentalHealth => "mh",
        /// Referral to secondary mental health services.
        MentalHealthReferral => "mh_referral",
        /// Adult social care: home care, billed per period.
        HomeCare => "asc_home_care",
        /// Adult social care: residential care home, billed per period.
        Residential => "asc_residential",
        /// Adult social care: nursing home, billed per period.
        Nursing => "asc_nursing",
        /// Adult social care: short-term reablement.
        Reablement => "asc_reablement",
        /// A safeguarding concern raised with adult social care.
        SafeguardingAlert => "safeguarding_alert",
        /// Voluntary sector or social prescribing contact.
        Voluntary => "vcs",
    }
}

impl Setting {
    /// Adult social care packages (their cost is social care cost).
    pub fn is_social_care(self) -> bool {
        matches!(
            self,
            Setting::HomeCare | Setting::Residential | Setting::Nursing | Setting::Reablement
        )
    }
}

vocabulary! {
    /// Long-term conditions and the flags recorded like them (pregnancy, frailty, end of
    /// life, care home residence).
    Condition as "condition" {
        Hypertension => "hypertension",
        Diabetes => "diabetes",
        Copd => "copd",
        Asthma => "asthma",
        CoronaryHeartDisease => "chd",
        HeartFailure => "heart_failure",
        AtrialFibrillation => "atrial_fibrillation",
        StrokeTia => "stroke_tia",
        ChronicKidneyDisease => "ckd",
        Cancer => "cancer",
        Dementia => "dementia",
        Depression => "depression",
        /// Serious mental illness (psychosis, bipolar disorder).
        SeriousMentalIllness => "smi",
        LearningDisability => "learning_disability",
        Osteoarthritis => "osteoarthritis",
        Osteoporosis => "osteoporosis",
        Epilepsy => "epilepsy",
        /// An open pregnancy (resolved at its end).
        Pregnancy => "pregnancy",
        FrailtyMild => "frailty_mild",
        FrailtyModerate => "frailty_moderate",
        FrailtySevere => "frailty_severe",
        EndOfLife => "end_of_life",
        CareHomeResident => "care_home_resident",
    }
}

impl Condition {
    /// The long-term conditions proper: counted in multimorbidity, prevalence and tiers.
    pub const LONG_TERM: [Condition; 17] = [
        Condition::Hypertension,
        Condition::Diabetes,
        Condition::Copd,
        Condition::Asthma,
        Condition::CoronaryHeartDisease,
        Condition::HeartFailure,
        Condition::AtrialFibrillation,
        Condition::StrokeTia,
        Condition::ChronicKidneyDisease,
        Condition::Cancer,
        Condition::Dementia,
        Condition::Depression,
        Condition::SeriousMentalIllness,
        Condition::LearningDisability,
        Condition::Osteoarthritis,
        Condition::Osteoporosis,
        Condition::Epilepsy,
    ];

    /// True for a long-term condition, false for a flag (pregnancy, frailty, end of life,
    /// care home residence).
    pub fn is_long_term(self) -> bool {
        Self::LONG_TERM.contains(&self)
    }
}

vocabulary! {
    /// Sex as recorded.
    Sex as "sex" {
        Female => "F",
        Male => "M",
        Unknown => "U",
    }
}

vocabulary! {
    /// ONS high-level ethnic group.
    EthnicGroup as "ethnic_group" {
        White => "white",
        Mixed => "mixed",
        Asian => "asian",
        Black => "black",
        Other => "other",
        Unknown => "unknown",
    }
}

vocabulary! {
    /// The kind of organisation that provides a service.
    ProviderKind as "provider_kind" {
        Acute => "acute",
        Community => "community",
        MentalHealth => "mental_health",
        PrimaryCare => "primary_care",
        SocialCare => "social_care",
        Voluntary => "voluntary",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trips<V: Vocabulary + FromStr + fmt::Display + PartialEq + fmt::Debug>() {
        for member in V::ALL {
            assert_eq!(V::from_code(member.code()).as_ref(), Some(member));
            assert_eq!(member.to_string(), member.code());
        }
    }

    #[test]
    fn every_code_round_trips() {
        round_trips::<Setting>();
        round_trips::<Condition>();
        round_trips::<Sex>();
        round_trips::<EthnicGroup>();
        round_trips::<ProviderKind>();
        assert_eq!(Setting::ALL.len(), 14);
        for (i, s) in Setting::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
        for (i, c) in Condition::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
        assert_eq!(Condition::ALL.len(), 23);
    }

    #[test]
    fn unknown_code_names_vocabulary_and_allowed_codes() {
        let err = "A&E".parse::<Setting>().unwrap_err();
        assert_eq!(err.vocabulary, "setting");
        assert!(err.to_string().contains("\"A&E\""));
        assert!(err.allowed.starts_with("ae, apc_nel"));
    }

    #[test]
    fn long_term_conditions_exclude_flags() {
        assert!(Condition::Diabetes.is_long_term());
        assert!(!Condition::Pregnancy.is_long_term());
        assert!(!Condition::FrailtySevere.is_long_term());
        assert_eq!(
            Condition::ALL.iter().filter(|c| c.is_long_term()).count(),
            17
        );
    }

    proptest! {
        #[test]
        fn parse_accepts_exactly_the_codes(code in "[a-z_A-Z&]{0,20}") {
            let known = Setting::ALL.iter().any(|s| s.code() == code);
            prop_assert_eq!(code.parse::<Setting>().is_ok(), known);
        }
    }
}

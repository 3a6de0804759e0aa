//! Segment rules, eligibility and frailty at their boundaries, on a hand-made borough: ages
//! on birthdays, the 12-month window's first day, conditions resolved on the date, moves,
//! deaths, and people with no registration.

use accord_cohort::Histories;
use accord_cohort::at::{day_of, person_at, population_on};
use accord_cohort::frailty::FrailtyCategory;
use accord_cohort::history::{
    ConditionSpell, Event, OPEN, Person, Practice, Records, Registration,
};
use accord_cohort::segment::{self, SegmentModel};
use accord_model::{Condition, EthnicGroup, Setting, Sex};
use chrono::NaiveDate;

fn day(y: i32, m: u32, d: u32) -> i32 {
    day_of(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

/// The date every test asks about.
fn on() -> i32 {
    day(2025, 3, 31)
}

struct Borough {
    records: Records,
}

impl Borough {
    fn new() -> Borough {
        Borough {
            records: Records {
                extract_day: day(2026, 3, 31),
                data_start: day(2022, 4, 1),
                practices: vec![
                    Practice {
                        code: "Z1".into(),
                        network: Some("N1".into()),
                        locality: "L1".into(),
                    },
                    Practice {
                        code: "Z2".into(),
                        network: None,
                        locality: "L1".into(),
                    },
                ],
                ..Records::default()
            },
        }
    }

    /// A person born in the month of `birth`, registered at Z1 from 2020 unless `registered` is false.
    fn person(&mut self, id: u64, birth: i32, registered: bool) -> &mut Borough {
        self.records.people.push(Person {
            id,
            sex: Sex::Female,
            birth_day: birth,
            death_day: None,
            ethnic_group: EthnicGroup::White,
            imd_decile: 3,
        });
        if registered {
            self.records.registrations.push((
                id,
                Registration {
                    practice: 0,
                    start: day(2020, 1, 1),
                    end: OPEN,
                },
            ));
        }
        self
    }

    fn condition(
        &mut self,
        id: u64,
        condition: Condition,
        onset: i32,
        resolved: i32,
    ) -> &mut Borough {
        self.records.conditions.push((
            id,
            ConditionSpell {
                condition,
                onset,
                resolved,
            },
        ));
        self
    }

    fn event(
        &mut self,
        id: u64,
        setting: Setting,
        start: i32,
        end: i32,
        diagnosis: Option<&str>,
    ) -> &mut Borough {
        self.records.events.push((
            id,
            Event {
                setting,
                start,
                end,
                cost: 100.0,
                diagnosis: diagnosis.map(Into::into),
                provider: 0,
            },
        ));
        self
    }

    fn build(&self) -> Histories {
        Histories::from_records(self.records.clone()).unwrap()
    }
}

fn segment_of(histories: &Histories, model: &SegmentModel, id: u64, date: i32) -> Option<String> {
    let index = histories.people.iter().position(|p| p.id == id).unwrap();
    person_at(&histories.history(index), date)
        .map(|p| model.segments[model.assign(&p, histories)].id.clone())
}

#[test]
fn life_course_changes_on_birthdays_and_with_pregnancy() {
    let mut b = Borough::new();
    b.person(1, day(2020, 4, 1), true) // 4 on the date, 5 the next day
        .person(2, day(2007, 3, 1), true) // 18 on the date
        .person(3, day(2007, 4, 1), true) // 17 on the date
        .person(4, day(1960, 3, 1), true) // 65
        .person(5, day(1960, 4, 1), true) // 64
        .person(6, day(1995, 1, 1), true) // 30, pregnant until the date
        .condition(6, Condition::Pregnancy, day(2024, 8, 1), day(2025, 3, 31))
        .person(7, day(1995, 1, 1), true) // 30, pregnant through the date
        .condition(7, Condition::Pregnancy, day(2024, 8, 1), day(2025, 4, 1));
    let h = b.build();
    let model = segment::load("life_course").unwrap();
    let seg = |id| segment_of(&h, &model, id, on()).unwrap();
    assert_eq!(seg(1), "pregnancy_and_early_years");
    assert_eq!(
        segment_of(&h, &model, 1, on() + 1).unwrap(),
        "childhood_and_adolescence"
    );
    assert_eq!(seg(2), "being_an_adult");
    assert_eq!(seg(3), "childhood_and_adolescence");
    assert_eq!(seg(4), "growing_old");
    assert_eq!(seg(5), "being_an_adult");
    // A pregnancy resolved on the date is no longer open that day.
    assert_eq!(seg(6), "being_an_adult");
    assert_eq!(seg(7), "pregnancy_and_early_years");
}

#[test]
fn west_london_tiers_at_the_edges_of_the_year_and_the_counts() {
    let old = day(1950, 1, 1);
    let window_start = day(2024, 4, 1); // the 12 months to 2025-03-31 start here
    let mut b = Borough::new();
    b.person(1, old, true) // no conditions
        .person(2, old, true)
        .condition(2, Condition::Diabetes, day(2015, 1, 1), OPEN)
        .person(3, old, true) // one condition, admitted on the window's first day
        .condition(3, Condition::Diabetes, day(2015, 1, 1), OPEN)
        .event(
            3,
            Setting::EmergencyAdmission,
            window_start,
            window_start + 3,
            None,
        )
        .person(4, old, true) // one condition, admitted the day before the window
        .condition(4, Condition::Diabetes, day(2015, 1, 1), OPEN)
        .event(
            4,
            Setting::EmergencyAdmission,
            window_start - 1,
            window_start + 3,
            None,
        )
        .person(5, old, true) // three conditions, home care ending on the window's first day
        .condition(5, Condition::Diabetes, day(2015, 1, 1), OPEN)
        .condition(5, Condition::Copd, day(2015, 1, 1), OPEN)
        .condition(5, Condition::Hypertension, day(2015, 1, 1), OPEN)
        .event(5, Setting::HomeCare, day(2023, 1, 1), window_start, None)
        .person(6, old, true) // the same, home care ending the day before the window
        .condition(6, Condition::Diabetes, day(2015, 1, 1), OPEN)
        .condition(6, Condition::Copd, day(2015, 1, 1), OPEN)
        .condition(6, Condition::Hypertension, day(2015, 1, 1), OPEN)
        .event(
            6,
            Setting::HomeCare,
            day(2023, 1, 1),
            window_start - 1,
            None,
        )
        .person(7, day(1960, 4, 1), true); // 64
    let h = b.build();
    let model = segment::load("west_london_tier").unwrap();
    let seg = |id| segment_of(&h, &model, id, on()).unwrap();
    assert_eq!(seg(1), "tier_0");
    assert_eq!(seg(2), "tier_1");
    assert_eq!(seg(3), "tier_2");
    assert_eq!(seg(4), "tier_1");
    assert_eq!(seg(5), "tier_3");
    assert_eq!(seg(6), "tier_2");
    assert_eq!(seg(7), "under_65");
}

#[test]
fn only_people_registered_and_alive_on_the_date_are_segmented() {
    let mut b = Borough::new();
    b.person(1, day(1980, 1, 1), false) // never registered
        .person(2, day(1980, 1, 1), true) // died on the date
        .person(3, day(1980, 1, 1), false) // registration ends on the date
        .person(4, day(1980, 1, 1), false) // registered from the day after
        .person(5, day(1980, 1, 1), false); // moved on the date, as extracts record it
    b.records.people[1].death_day = Some(on());
    b.records.registrations.push((
        3,
        Registration {
            practice: 1,
            start: day(2020, 1, 1),
            end: on(),
        },
    ));
    b.records.registrations.push((
        4,
        Registration {
            practice: 0,
            start: on() + 1,
            end: OPEN,
        },
    ));
    b.records.registrations.push((
        5,
        Registration {
            practice: 1,
            start: day(2020, 1, 1),
            end: on(),
        },
    ));
    b.records.registrations.push((
        5,
        Registration {
            practice: 0,
            start: on(),
            end: OPEN,
        },
    ));
    let h = b.build();
    let population = population_on(&h, on());
    let ids: Vec<u64> = population
        .people
        .iter()
        .map(|p| h.people[p.person].id)
        .collect();
    assert_eq!(ids, vec![3, 5]);
    // On the move day the person belongs to the new practice only.
    assert_eq!(population.people[1].practice, 0);
    assert_eq!(population.people[0].practice, 1);
    assert_eq!(h.network_of(1), "none");
    let model = segment::load("life_course").unwrap();
    assert_eq!(segment_of(&h, &model, 1, on()), None);
}

#[test]
fn bridges_to_health_takes_the_first_segment_in_priority_order() {
    let adult = day(1980, 1, 1);
    let mut b = Borough::new();
    b.person(1, adult, true)
        .condition(1, Condition::EndOfLife, day(2025, 1, 1), OPEN)
        .condition(1, Condition::Dementia, day(2020, 1, 1), OPEN)
        .person(2, adult, true)
        .condition(2, Condition::Dementia, day(2020, 1, 1), OPEN)
        .condition(2, Condition::HeartFailure, day(2020, 1, 1), OPEN)
        .person(3, adult, true)
        .condition(3, Condition::Copd, day(2020, 1, 1), OPEN)
        .person(4, adult, true)
        .condition(4, Condition::LearningDisability, day(2000, 1, 1), OPEN)
        .condition(4, Condition::Asthma, day(2000, 1, 1), OPEN)
        .person(5, adult, true)
        .condition(5, Condition::Asthma, day(2000, 1, 1), OPEN)
        .event(
            5,
            Setting::AeAttendance,
            day(2025, 1, 1),
            day(2025, 1, 1),
            None,
        )
        .person(6, adult, true)
        .event(
            6,
            Setting::AeAttendance,
            day(2025, 1, 1),
            day(2025, 1, 1),
            None,
        )
        .person(7, day(2024, 6, 1), true)
        .person(8, adult, true);
    let h = b.build();
    let model = segment::load("bridges_to_health").unwrap();
    let got: Vec<String> = (1..=8)
        .map(|id| segment_of(&h, &model, id, on()).unwrap())
        .collect();
    assert_eq!(
        got,
        [
            "end_of_life",
            "frailty",
            "organ_failure",
            "disability",
            "chronic_conditions",
            "acutely_ill",
            "maternal_and_infant",
            "healthy"
        ]
    );
}

#[test]
fn frailty_counts_each_deficit_once_and_cuts_in_integers() {
    let old = day(1940, 1, 1);
    let mut b = Borough::new();
    b.person(1, old, true);
    for condition in [
        Condition::AtrialFibrillation,
        Condition::CoronaryHeartDisease,
        Condition::ChronicKidneyDisease,
        Condition::Diabetes,
        Condition::HeartFailure,
        Condition::Hypertension,
        Condition::Dementia,
        Condition::Osteoporosis,
        Condition::Copd,
        Condition::Asthma, // respiratory disease again: not a second deficit
        Condition::StrokeTia,
        Condition::Osteoarthritis,
    ] {
        b.condition(1, condition, day(2010, 1, 1), OPEN);
    }
    let h = b.build();
    let frailty = |h: &Histories| person_at(&h.history(0), on()).unwrap().frailty;
    assert_eq!(frailty(&h).count(), 11);
    assert_eq!(frailty(&h).category(), FrailtyCategory::Moderate);
    b.event(
        1,
        Setting::HomeCare,
        day(2024, 6, 1),
        day(2024, 12, 31),
        None,
    );
    assert_eq!(frailty(&b.build()).count(), 12);
    assert_eq!(frailty(&b.build()).category(), FrailtyCategory::Moderate);
    b.event(
        1,
        Setting::EmergencyAdmission,
        day(2018, 5, 1),
        day(2018, 5, 9),
        Some("S72.0"),
    );
    assert_eq!(frailty(&b.build()).count(), 13);
    assert_eq!(frailty(&b.build()).category(), FrailtyCategory::Severe);
    // A fall after the date is not counted.
    b.event(1, Setting::AeAttendance, on() + 1, on() + 1, Some("W19"));
    assert_eq!(frailty(&b.build()).count(), 13);
}

#[test]
fn model_files_are_checked_with_clear_messages() {
    let err = SegmentModel::parse(
        "id = \"m\"\nname = \"M\"\nversion = 1\ndescription = \"\"\nsource = \"\"\n[[segment]]\nid = \"a\"\nlabel = \"A\"\nwhen = { age = { min = 70, max = 60 } }\n[[segment]]\nid = \"a\"\nlabel = \"B\"\nwhen = { sex = [\"F\"] }\n",
        "bad.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("bad.toml: "), "{err}");
    assert!(err.contains("range min 70 is above max 60"), "{err}");
    assert!(err.contains("segment \"a\": duplicate id"), "{err}");
    assert!(
        err.contains("the last segment must leave out `when`"),
        "{err}"
    );

    let err = SegmentModel::parse(
        "id = \"m\"\nname = \"M\"\nversion = 1\ndescription = \"\"\nsource = \"\"\n[[segment]]\nid = \"a\"\nlabel = \"A\"\nwhen = { agee = { min = 70 } }\n",
        "typo.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("typo.toml") && err.contains("line 9"), "{err}");
    assert!(
        segment::load("no_such_model")
            .unwrap_err()
            .to_string()
            .contains("life_course")
    );
    assert_eq!(segment::builtin().len(), 4);
}

//! I-statement surveys of residents (THT and Islington statements) and the staff survey of
//! network members. Agreement (a score of 4 or 5) is between 50% and 80% by statement,
//! lower in the most deprived areas and among people with more conditions.

use accord_model::survey::{ISLINGTON_SURVEY, STAFF_SURVEY, THT_SURVEY, items_of};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::geography::Geography;
use crate::people::{PersonCore, Window};
use crate::rng::{Stream, mix, opaque_id, stream};

/// One survey answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub respondent: u64,
    pub person: Option<u32>,
    pub survey: &'static str,
    pub item: &'static str,
    pub score: i8,
    pub day: i32,
    pub practice: Option<u16>,
    pub lsoa: Option<u32>,
}

/// Responses a year per 249,000 registered people (docs/calibration.md).
const RESIDENT_RESPONSES: [(&str, f64); 2] = [(THT_SURVEY, 1_000.0), (ISLINGTON_SURVEY, 500.0)];
const STAFF_RESPONSES: f64 = 300.0;

fn score(rng: &mut ChaCha8Rng, agree: f64) -> i8 {
    if rng.random::<f64>() < agree {
        if rng.random::<f64>() < 0.6 { 4 } else { 5 }
    } else {
        match rng.random::<f64>() {
            d if d < 0.2 => 1,
            d if d < 0.55 => 2,
            _ => 3,
        }
    }
}

/// The base agreement of an item: between 0.5 and 0.8, fixed by its id.
fn base_agreement(item: &str) -> f64 {
    let hash = item.bytes().fold(0u64, |h, b| mix(h ^ u64::from(b)));
    0.5 + 0.3 * (hash % 1000) as f64 / 1000.0
}

pub fn generate(
    seed: u64,
    geography: &Geography,
    persons: &[PersonCore],
    deaths: &[Option<i32>],
    window: Window,
    registered: f64,
    years: u32,
) -> Vec<Answer> {
    let mut rng = stream(seed, Stream::Surveys, 0);
    let mut answers = Vec::new();
    let scale = registered / 249_000.0 * f64::from(years);
    let span = window.end - window.start + 1;
    for (survey, per_year) in RESIDENT_RESPONSES {
        let respondents = (per_year * scale).round() as u64;
        for k in 0..respondents {
            let day = window.start + rng.random_range(0..span);
            let Some((index, person, practice)) = (0..50).find_map(|_| {
                let index = rng.random_range(0..persons.len());
                let person = &persons[index];
                let adult =
                    accord_model::dates::age_in_years(date(person.birth_day), date(day)) >= 16;
                let alive = deaths
                    .get(index)
                    .copied()
                    .flatten()
                    .is_none_or(|d| day <= d);
                person
                    .practice_on(day)
                    .filter(|_| adult && alive)
                    .map(|practice| (index, person, practice))
            }) else {
                continue;
            };
            let conditions = person
                .conditions
                .iter()
                .filter(|(_, onset)| *onset <= day)
                .count()
                .min(3) as f64;
            let deprived = if person.decile <= 2 { 0.10 } else { 0.0 };
            let respondent = opaque_id(mix(seed ^ mix(survey.len() as u64)), k);
            for item in items_of(survey) {
                let agree = base_agreement(item.id) - deprived - 0.04 * conditions;
                answers.push(Answer {
                    respondent,
                    person: Some(index as u32),
                    survey,
                    item: item.id,
                    score: score(&mut rng, agree),
                    day,
                    practice: Some(practice),
                    lsoa: Some(person.lsoa),
                });
            }
        }
    }
    let network_practices: Vec<u16> = (0..geography.practices.len())
        .filter(|&p| geography.practices[p].network.is_some())
        .map(|p| p as u16)
        .collect();
    let staff = (STAFF_RESPONSES * scale).round() as u64;
    for k in 0..staff {
        let day = window.start + rng.random_range(0..span);
        let practice = network_practices
            .get(rng.random_range(0..network_practices.len().max(1)))
            .copied();
        let respondent = opaque_id(mix(seed ^ 0x57AF_F000), k);
        for item in items_of(STAFF_SURVEY) {
            answers.push(Answer {
                respondent,
                person: None,
                survey: STAFF_SURVEY,
                item: item.id,
                score: score(&mut rng, base_agreement(item.id)),
                day,
                practice,
                lsoa: None,
            });
        }
    }
    answers
}

fn date(day: i32) -> chrono::NaiveDate {
    accord_model::dates::from_days(day).unwrap_or(accord_model::dates::EPOCH)
}

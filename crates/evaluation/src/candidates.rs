//! Who can be compared: the treated (people discussed at an MDT, index date = their first
//! discussion) and, for each treated person's index month, the people registered and alive
//! at the start of that month who had not been discussed by the end of it (risk-set
//! sampling: a control inherits the month). By default a control may be discussed later
//! ([`ControlPool::NotYetDiscussed`], followed as [`ControlFollowUp`] says); docs/methods.md's literal
//! "never discussed" is [`ControlPool::NeverDiscussed`], which picks controls on their
//! future: where the highest-risk people are all discussed in time, the never-discussed
//! are those whose risk fell, and the estimate is biased (see docs/evaluation.md).
//! Covariates for both arms are measured on the last day before the index month.

use accord_cohort::at::{months_before, state_at};
use accord_cohort::history::{Event, History, starting_in};
use accord_cohort::{Histories, PersonAt};
use accord_model::{Condition, Setting, Sex, dates};
use accord_risk::RiskModel;
use accord_risk::features::imd_quintile;
use chrono::Datelike;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A covariate of the propensity model and the balance table.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    /// The covariate's name.
    pub name: String,
    /// What it means, in words.
    pub label: String,
    /// |SMD| below this counts as balanced (0.05 for prognostically important ones).
    pub threshold: f64,
    value: Measure,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Measure {
    Age,
    AgeAtLeast(i32),
    Male,
    ImdQuintile(u8),
    Condition(Condition),
    LongTermConditions,
    FrailtyDeficits,
    RiskScore,
    /// Rows of these settings starting in the days [day - from_days, day - to_days], with
    /// from_days at most [`LONGEST_WINDOW`].
    Window(&'static [Setting], i32, i32),
    InYear(&'static [Setting]),
    AnySocialCare,
    /// A package of adult social care open on the covariate day itself.
    SocialCareOn,
    CostInYear,
}

/// The longest window of the activity covariates, in days before the covariate day: the
/// person's events in it are found once for all of them.
const LONGEST_WINDOW: i32 = 730;

const EMERGENCY: &[Setting] = &[Setting::EmergencyAdmission];
const AE: &[Setting] = &[Setting::AeAttendance];
const ELECTIVE: &[Setting] = &[Setting::ElectiveAdmission];
const OUTPATIENT: &[Setting] = &[Setting::Outpatient];
const GP: &[Setting] = &[Setting::Gp];
const MENTAL_HEALTH: &[Setting] = &[Setting::MentalHealth, Setting::MentalHealthReferral];
const SOCIAL_CARE: &[Setting] = &[
    Setting::HomeCare,
    Setting::Residential,
    Setting::Nursing,
    Setting::Reablement,
];

fn covariate(name: &str, label: &str, threshold: f64, value: Measure) -> Covariate {
    Covariate {
        name: name.into(),
        label: label.into(),
        threshold,
        value,
    }
}

/// The covariates docs/methods.md lists: age, sex, IMD, conditions, frailty, risk score and
/// activity in several windows before the index.
pub fn covariates() -> Vec<Covariate> {
    let mut list = vec![
        covariate("age", "age in years", 0.1, Measure::Age),
        covariate(
            "aged_75_plus",
            "aged 75 or over",
            0.1,
            Measure::AgeAtLeast(75),
        ),
        covariate("male", "male", 0.1, Measure::Male),
    ];
    for q in 1..=4 {
        list.push(covariate(
            &format!("imd_quintile_{q}"),
            &format!("IMD quintile {q}"),
            0.1,
            Measure::ImdQuintile(q),
        ));
    }
    for condition in Condition::LONG_TERM {
        list.push(covariate(
            &format!("condition_{}", condition.as_str()),
            condition.as_str(),
            0.1,
            Measure::Condition(condition),
        ));
    }
    // Flags recorded in the condition table: frailty as coded by the practice, end of life
    // and care home residence.
    for condition in [
        Condition::FrailtyMild,
        Condition::FrailtyModerate,
        Condition::FrailtySevere,
        Condition::EndOfLife,
        Condition::CareHomeResident,
    ] {
        list.push(covariate(
            &format!("flag_{}", condition.as_str()),
            &format!("recorded {}", condition.as_str().replace('_', " ")),
            0.1,
            Measure::Condition(condition),
        ));
    }
    list.extend([
        covariate(
            "long_term_conditions",
            "number of long-term conditions",
            0.1,
            Measure::LongTermConditions,
        ),
        covariate(
            "frailty_deficits",
            "eFI-style deficits",
            0.1,
            Measure::FrailtyDeficits,
        ),
        covariate(
            "risk_score",
            "risk score (log-odds of an emergency admission)",
            0.05,
            Measure::RiskScore,
        ),
        covariate(
            "emergency_admissions_0_3m",
            "emergency admissions, 3 months before",
            0.05,
            Measure::Window(EMERGENCY, 91, 0),
        ),
        covariate(
            "emergency_admissions_3_12m",
            "emergency admissions, 3-12 months before",
            0.05,
            Measure::Window(EMERGENCY, 365, 92),
        ),
        covariate(
            "emergency_admissions_12_24m",
            "emergency admissions, 12-24 months before",
            0.1,
            Measure::Window(EMERGENCY, LONGEST_WINDOW, 366),
        ),
        covariate(
            "ae_attendances_0_3m",
            "A&E attendances, 3 months before",
            0.1,
            Measure::Window(AE, 91, 0),
        ),
        covariate(
            "ae_attendances_3_12m",
            "A&E attendances, 3-12 months before",
            0.1,
            Measure::Window(AE, 365, 92),
        ),
        covariate(
            "ae_attendances_12_24m",
            "A&E attendances, 12-24 months before",
            0.1,
            Measure::Window(AE, LONGEST_WINDOW, 366),
        ),
        covariate(
            "elective_admissions_12m",
            "elective admissions, 12 months before",
            0.1,
            Measure::InYear(ELECTIVE),
        ),
        covariate(
            "outpatient_attendances_12m",
            "outpatient attendances, 12 months before",
            0.1,
            Measure::InYear(OUTPATIENT),
        ),
        covariate(
            "gp_appointments_12m",
            "GP appointments, 12 months before",
            0.1,
            Measure::InYear(GP),
        ),
        covariate(
            "mental_health_12m",
            "mental health contacts and referrals, 12 months before",
            0.1,
            Measure::InYear(MENTAL_HEALTH),
        ),
        covariate(
            "social_care",
            "any adult social care in the 12 months",
            0.1,
            Measure::AnySocialCare,
        ),
        covariate(
            "social_care_now",
            "receiving adult social care on the day",
            0.1,
            Measure::SocialCareOn,
        ),
        covariate(
            "cost_12m",
            "cost of all activity, 12 months before (£000s)",
            0.1,
            Measure::CostInYear,
        ),
    ]);
    list
}

impl Covariate {
    /// The value on `day`; `recent` holds the person's events that started in the longest
    /// window.
    fn measure(
        &self,
        person: &PersonAt,
        history: &History<'_>,
        recent: &[Event],
        day: i32,
        risk: f64,
    ) -> f64 {
        let count = |settings: &[Setting]| -> f64 {
            settings.iter().map(|s| f64::from(person.in_year(*s))).sum()
        };
        match self.value {
            Measure::Age => f64::from(person.age),
            Measure::AgeAtLeast(years) => flag(person.age >= years),
            Measure::Male => flag(history.person.sex == Sex::Male),
            Measure::ImdQuintile(q) => flag(imd_quintile(history.person.imd_decile) == q),
            Measure::Condition(c) => flag(person.has(c)),
            Measure::LongTermConditions => f64::from(person.long_term_conditions),
            Measure::FrailtyDeficits => f64::from(person.frailty.count()),
            Measure::RiskScore => risk,
            Measure::Window(settings, from, to) => starting_in(recent, day - from + 1, day - to)
                .iter()
                .filter(|e| settings.contains(&e.setting))
                .count() as f64,
            Measure::InYear(settings) => count(settings),
            Measure::AnySocialCare => flag(count(SOCIAL_CARE) > 0.0),
            Measure::SocialCareOn => flag(person.social_care_on_day),
            // In thousands, so that the propensity fit is well conditioned.
            Measure::CostInYear => person.cost_in_year / 1000.0,
        }
    }
}

/// Every covariate of one person (`person` is `history` on `day`), given their risk model
/// probability (the risk covariate is its log-odds).
pub(crate) fn measure_all<'a>(
    covariates: &'a [Covariate],
    person: &'a PersonAt,
    history: &'a History<'a>,
    day: i32,
    risk: f64,
) -> impl Iterator<Item = f32> + 'a {
    let logit = (risk / (1.0 - risk)).ln();
    let recent = history.events_starting(day - LONGEST_WINDOW + 1, day);
    covariates
        .iter()
        .map(move |c| c.measure(person, history, recent, day, logit) as f32)
}

fn flag(yes: bool) -> f64 {
    f64::from(u8::from(yes))
}

/// Who may be a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlPool {
    /// Not discussed by the end of the index month (followed as [`ControlFollowUp`] says
    /// after a later first discussion).
    NotYetDiscussed,
    /// Never discussed at all.
    NeverDiscussed,
}

/// How a control who is discussed at an MDT within their year of follow-up is followed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlFollowUp {
    /// Through the whole year, as a control (intention to treat, as in a sequence of target
    /// trials): no bias from who is discussed next, but drawn towards no effect where the
    /// MDT has one, as far as controls are discussed later.
    IntentionToTreat,
    /// Only until the day before their own MDT. Who is discussed next is who got worse, so
    /// the controls left are those who got better: biased towards harm.
    Censored,
    /// Until the start of the month of their own MDT, with inverse probability of
    /// censoring weights after that (see [`crate::censoring`]): the effect of an MDT against
    /// none, as the treated would have been without one.
    #[default]
    Weighted,
}

/// Treated people who could not be evaluated, by reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TreatedAttrition {
    /// People with at least one MDT discussion.
    pub discussed: usize,
    /// Index after the extract date: nothing after it is known.
    pub index_after_extract: usize,
    /// Index less than 12 months after the data start: no whole year before it.
    pub index_too_early: usize,
    /// Not registered and alive on the day before their index month.
    pub not_registered_before_index_month: usize,
    /// Treated people left: the cohort.
    pub eligible: usize,
}

/// The candidates of one run: treated rows and control rows with their covariates.
#[derive(Debug, Clone)]
pub struct Candidates {
    /// Every candidate row.
    pub rows: Vec<Row>,
    /// Covariate values measured in this run, `covariates.len()` per entry.
    own: Arc<Vec<f32>>,
    /// Another run's values, for the rows it had measured already (the placebo run's
    /// months shared with the main run): read in place, not copied. Empty otherwise.
    shared: Arc<Vec<f32>>,
    /// Per row: its entry in `own`, or in `shared` where [`SHARED`] is set.
    at: Vec<u32>,
    /// The covariates, in the order of each row's values.
    pub covariates: Vec<Covariate>,
    /// Treated people discussed, and why each was or was not eligible.
    pub attrition: TreatedAttrition,
    /// First days of the index months, by `Row::month`.
    pub months: Vec<i32>,
}

/// One candidate: a person in one index month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// The person's index in the histories.
    pub person: u32,
    /// The index month, as an index into `Candidates::months`.
    pub month: u16,
    /// Treated (discussed first in the month) or a control.
    pub treated: bool,
    /// The treated's index day (their first MDT, shifted for the placebo); 0 for controls.
    pub index_day: i32,
    /// Practice on the covariate day.
    pub practice: u32,
    /// A control's first MDT discussion, after the index month, where there is one.
    pub later_mdt: Option<i32>,
    /// Sex, as a stratum code.
    pub sex: u8,
}

/// People per block of the search for each month's candidates.
const ELIGIBILITY_BLOCK: usize = 4096;

/// The bit of [`Candidates::at`] that says the entry is in the shared values.
const SHARED: u32 = 1 << 31;

impl Candidates {
    /// Row `row`'s covariate values, in `covariates` order.
    pub fn row_values(&self, row: usize) -> &[f32] {
        let width = self.covariates.len();
        let at = self.at[row];
        let (store, entry) = if at & SHARED != 0 {
            (&self.shared, (at & !SHARED) as usize)
        } else {
            (&self.own, at as usize)
        };
        &store[entry * width..(entry + 1) * width]
    }

    /// Row `row`'s value of one covariate.
    pub fn value(&self, row: usize, covariate: usize) -> f64 {
        f64::from(self.row_values(row)[covariate])
    }

    /// Where row `row`'s values are, for another run to share them: its entry in `own`,
    /// or None where they are borrowed themselves.
    fn own_entry(&self, row: usize) -> Option<u32> {
        let at = self.at[row];
        (at & SHARED == 0).then_some(at)
    }
}

/// The first day of the month holding `day`.
pub fn month_start(day: i32) -> i32 {
    dates::from_days(day)
        .and_then(|d| d.with_day(1))
        .map_or(day, dates::to_days)
}

/// Builds the treated and the control pool, with index dates moved by `shift_days`
/// (0 for the evaluation, negative for a placebo run). Covariates already in `measured` (the
/// main run's, for the months a placebo run shares with it: the same people on the same
/// day) are read from there rather than measured again.
pub fn candidates(
    histories: &Histories,
    risk: &RiskModel,
    shift_days: i32,
    pool: ControlPool,
    measured: Option<&Candidates>,
) -> Candidates {
    let covariates = covariates();
    let mut attrition = TreatedAttrition::default();
    let mut treated: Vec<(u32, i32)> = Vec::new();
    for i in 0..histories.people.len() {
        let history = histories.history(i);
        let Some(&first) = history.mdt_meetings.first() else {
            continue;
        };
        attrition.discussed += 1;
        let index = first + shift_days;
        if first > histories.extract_day {
            attrition.index_after_extract += 1;
        } else if months_before(index, 12) < histories.data_start {
            attrition.index_too_early += 1;
        } else {
            treated.push((i as u32, index));
        }
    }
    let mut months: Vec<i32> = treated.iter().map(|&(_, d)| month_start(d)).collect();
    months.sort_unstable();
    months.dedup();
    // Per person, the treated's index day with the first day of its month, looked up for
    // every person in every month.
    let mut index_of: Vec<Option<(i32, i32)>> = vec![None; histories.people.len()];
    for &(i, d) in &treated {
        index_of[i as usize] = Some((d, month_start(d)));
    }
    // First, who is a candidate in each month (registered and alive on the covariate day,
    // with their practice then), so that the covariates of all months can be written in
    // place into one allocation: at 250,000 people they are hundreds of megabytes. Each
    // person's history is looked up once for all months, in blocks of people side by side,
    // whose lists are then joined in person order.
    let bounds: Vec<(i32, i32)> = months
        .iter()
        .map(|&start| (start, month_start(start + 31) - 1))
        .collect();
    let blocks: Vec<usize> = (0..histories.people.len())
        .step_by(ELIGIBILITY_BLOCK)
        .collect();
    let per_block: Vec<Vec<Vec<(u32, u32)>>> = blocks
        .par_iter()
        .map(|&from| {
            let mut per_month = vec![Vec::new(); months.len()];
            let to = (from + ELIGIBILITY_BLOCK).min(histories.people.len());
            for (i, treated) in (from..to).zip(&index_of[from..to]) {
                let history = histories.history(i);
                let first_mdt = history.mdt_meetings.first().copied();
                for (list, &(start, month_end)) in per_month.iter_mut().zip(&bounds) {
                    let day = start - 1;
                    let treated_here = treated.is_some_and(|(_, month)| month == start);
                    let control = match (pool, first_mdt) {
                        (_, None) => true,
                        (ControlPool::NotYetDiscussed, Some(first)) => first > month_end,
                        (ControlPool::NeverDiscussed, Some(_)) => false,
                    };
                    if !(treated_here || control) || !history.alive_on(day) {
                        continue;
                    }
                    if let Some(practice) = history.practice_on(day) {
                        list.push((i as u32, practice));
                    }
                }
            }
            per_month
        })
        .collect();
    let eligible: Vec<Vec<(u32, u32)>> = (0..months.len())
        .into_par_iter()
        .map(|m| {
            per_block
                .iter()
                .flat_map(|block| block[m].iter().copied())
                .collect()
        })
        .collect();
    drop(per_block);
    let width = covariates.len();
    // Per month, each candidate's entry in `measured`'s own values where it has one (the
    // same person on the same day: the same covariates), found by walking both lists in
    // person order.
    let found: Vec<Vec<Option<u32>>> = months
        .par_iter()
        .zip(eligible.par_iter())
        .map(|(&start, people)| {
            let Some((c, from, to)) = measured.and_then(|c| {
                let month = c.months.binary_search(&start).ok()?;
                let from = c.rows.partition_point(|r| usize::from(r.month) < month);
                let to = c.rows.partition_point(|r| usize::from(r.month) <= month);
                Some((c, from, to))
            }) else {
                return vec![None; people.len()];
            };
            let mut cursor = from;
            people
                .iter()
                .map(|&(i, _)| {
                    while cursor < to && c.rows[cursor].person < i {
                        cursor += 1;
                    }
                    (cursor < to && c.rows[cursor].person == i)
                        .then(|| c.own_entry(cursor))
                        .flatten()
                })
                .collect()
        })
        .collect();
    // The rest are measured here, written in place into one allocation: at 250,000 people
    // they are hundreds of megabytes.
    let missing: Vec<usize> = found
        .iter()
        .map(|f| f.iter().filter(|e| e.is_none()).count())
        .collect();
    let mut own = vec![0f32; missing.iter().sum::<usize>() * width];
    let mut slices = Vec::with_capacity(months.len());
    let mut rest = own.as_mut_slice();
    for &n in &missing {
        let (head, tail) = rest.split_at_mut(n * width);
        slices.push(head);
        rest = tail;
    }
    let firsts: Vec<u32> = missing
        .iter()
        .scan(0u32, |next, &n| {
            let first = *next;
            *next += n as u32;
            Some(first)
        })
        .collect();
    let scorer = risk.scorer();
    let per_month: Vec<(Vec<Row>, Vec<u32>)> = slices
        .into_par_iter()
        .zip(months.par_iter())
        .zip(eligible.par_iter())
        .zip(found.par_iter())
        .zip(firsts.par_iter())
        .enumerate()
        .map(|(m, ((((slice, &start), people), found), &first))| {
            let day = start - 1;
            let mut outs = slice.chunks_mut(width.max(1));
            let mut next = first;
            people
                .iter()
                .zip(found)
                .map(|(&(i, practice), &entry)| {
                    let history = histories.history(i as usize);
                    let at = match entry {
                        Some(entry) => entry | SHARED,
                        None => {
                            if let Some(out) = outs.next() {
                                let person = state_at(&history, day, practice);
                                let score = scorer.score(&person, histories);
                                let values =
                                    measure_all(&covariates, &person, &history, day, score);
                                for (slot, value) in out.iter_mut().zip(values) {
                                    *slot = value;
                                }
                            }
                            next += 1;
                            next - 1
                        }
                    };
                    let index_day = index_of[i as usize]
                        .filter(|&(_, month)| month == start)
                        .map(|(d, _)| d);
                    let row = Row {
                        person: i,
                        month: m as u16,
                        treated: index_day.is_some(),
                        index_day: index_day.unwrap_or(0),
                        later_mdt: match index_day {
                            Some(_) => None,
                            None => history.mdt_meetings.first().copied(),
                        },
                        practice,
                        sex: history.person.sex.index() as u8,
                    };
                    (row, at)
                })
                .unzip()
        })
        .collect();
    let (per_month, at): (Vec<Vec<Row>>, Vec<Vec<u32>>) = per_month.into_iter().unzip();
    let at: Vec<u32> = at.into_iter().flatten().collect();
    let rows: Vec<Row> = per_month.into_iter().flatten().collect();
    let found = rows.iter().filter(|r| r.treated).count();
    attrition.not_registered_before_index_month = treated.len() - found;
    attrition.eligible = found;
    Candidates {
        rows,
        own: Arc::new(own),
        shared: measured.map_or_else(Arc::default, |c| Arc::clone(&c.own)),
        at,
        covariates,
        attrition,
        months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_window_lies_within_the_longest() {
        let windows: Vec<i32> = covariates()
            .iter()
            .filter_map(|c| match c.value {
                Measure::Window(_, from, to) => Some(from.max(to)),
                _ => None,
            })
            .collect();
        assert!(!windows.is_empty());
        assert!(windows.iter().all(|&from| from <= LONGEST_WINDOW));
    }
}

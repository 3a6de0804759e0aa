//! The MDT programme: each month every network discusses new people picked by case
//! finding (the highest scores among its residents) and by referral from any member
//! organisation, and brings some back for follow-up. Then the planted truth: in the 12
//! months after a person's first MDT, a share of their A&E attendances and emergency
//! admissions do not happen and their social care costs more.

use accord_model::Setting;
use rand::Rng;
use serde::Serialize;

use crate::activity::{Block, Calendar, Candidate};
use crate::geography::Geography;
use crate::params::{PlantedEffect, SynthParams};
use crate::people::PersonCore;
use crate::rng::{Stream, poisson, stream};

/// One discussion of a person at a network meeting.
#[derive(Debug, Clone, Copy)]
pub struct Discussion {
    pub person: u32,
    pub network: u8,
    pub day: i32,
    pub source: &'static str,
}

const REFERRAL_SOURCES: [&str; 6] = [
    "gp",
    "community_matron",
    "social_care",
    "mental_health",
    "acute_discharge",
    "voluntary_sector",
];

/// How strongly case finding follows the score (see `select`).
const JUDGEMENT: f64 = 1.0;

/// Networks meet weekly (even numbers) or fortnightly (odd), each on its own weekday.
fn meeting_days(network: usize, from: i32, to: i32) -> Vec<i32> {
    let weekday = (network % 5) as i32; // Date32 day 0 was a Thursday; any fixed offset will do
    let step = if network.is_multiple_of(2) { 7 } else { 14 };
    let mut day = from + (weekday - from.rem_euclid(7)).rem_euclid(7);
    let mut days = Vec::new();
    while day < to {
        days.push(day);
        day += step;
    }
    days
}

/// Picks the people discussed, month by month and network by network.
pub fn select(
    params: &SynthParams,
    geography: &Geography,
    calendar: &Calendar,
    persons: &[PersonCore],
    deaths: &[Option<i32>],
    mut candidates: Vec<Candidate>,
    end_day: i32,
) -> Vec<Discussion> {
    candidates.sort_by(|a, b| {
        (a.month, a.network)
            .cmp(&(b.month, b.network))
            .then(b.score.total_cmp(&a.score))
            .then(a.person.cmp(&b.person))
    });
    let mut registered = vec![0.0; geography.networks.len()];
    for person in persons {
        if let Some(network) = person
            .practice_on(end_day)
            .and_then(|p| geography.practices[usize::from(p)].network)
        {
            registered[network] += 1.0;
        }
    }
    let alive_on = |person: u32, day: i32| deaths[person as usize].is_none_or(|death| day < death);
    let mut discussed = vec![false; persons.len()];
    let mut discussions = Vec::new();
    let mut cursor = 0;
    for month in calendar.mdt_first_month..calendar.months() {
        let (from, to) = (
            calendar.month_starts[month],
            calendar.month_starts[month + 1],
        );
        for (network, &population) in registered.iter().enumerate() {
            let begin = cursor;
            while cursor < candidates.len()
                && (
                    usize::from(candidates[cursor].month),
                    usize::from(candidates[cursor].network),
                ) <= (month, network)
            {
                cursor += 1;
            }
            let mut rng = stream(
                params.seed,
                Stream::Mdt,
                (month as u64) << 16 | network as u64,
            );
            // Case finding is a risk list read by clinicians, not a cut-off: people are taken
            // in order of score plus Gumbel noise, which draws them without replacement with
            // probability proportional to exp(JUDGEMENT × score). High scores still come
            // first, but not everyone at high risk is discussed, so that comparable people
            // who were not discussed exist, as they do in a real borough.
            let mut pool: Vec<(f64, Candidate)> = candidates[begin..cursor]
                .iter()
                .filter(|c| usize::from(c.month) == month && usize::from(c.network) == network)
                .map(|c| {
                    let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                    (JUDGEMENT * f64::from(c.score) - (-u.ln()).ln(), *c)
                })
                .collect();
            pool.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.person.cmp(&b.1.person)));
            let pool: Vec<Candidate> = pool.into_iter().map(|(_, c)| c).collect();
            let days = meeting_days(network, from, to);
            if days.is_empty() {
                continue;
            }
            let expected = params.mdt.new_per_month_per_100k / 100_000.0 * population;
            let quota =
                expected.floor() as usize + usize::from(rng.random::<f64>() < expected.fract());
            let referrals = (0..quota)
                .filter(|_| rng.random::<f64>() < params.mdt.referral_share)
                .count();
            let mut chosen = Vec::new();
            // Case finding: in the order drawn above.
            for candidate in &pool {
                if chosen.len() >= quota - referrals {
                    break;
                }
                let day = days[rng.random_range(0..days.len())];
                if !discussed[candidate.person as usize] && alive_on(candidate.person, day) {
                    discussed[candidate.person as usize] = true;
                    chosen.push(Discussion {
                        person: candidate.person,
                        network: network as u8,
                        day,
                        source: "risk_stratification",
                    });
                }
            }
            // Referrals: any member organisation, among the rest of the network's people at risk.
            let mut tries = 0;
            while chosen.len() < quota && !pool.is_empty() && tries < 20 * quota {
                tries += 1;
                let candidate = pool[rng.random_range(0..pool.len())];
                let day = days[rng.random_range(0..days.len())];
                if !discussed[candidate.person as usize] && alive_on(candidate.person, day) {
                    discussed[candidate.person as usize] = true;
                    let source = REFERRAL_SOURCES[rng.random_range(0..REFERRAL_SOURCES.len())];
                    chosen.push(Discussion {
                        person: candidate.person,
                        network: network as u8,
                        day,
                        source,
                    });
                }
            }
            for first in &chosen {
                let follow_ups = poisson(&mut rng, params.mdt.follow_ups_per_person);
                let mut day = first.day;
                for _ in 0..follow_ups {
                    day += rng.random_range(28..92);
                    let next = meeting_days(network, day, day + 14)
                        .first()
                        .copied()
                        .unwrap_or(day);
                    let person = &persons[first.person as usize];
                    if next > end_day
                        || !alive_on(first.person, next)
                        || person.practice_on(next).is_none()
                    {
                        break;
                    }
                    day = next;
                    discussions.push(Discussion {
                        person: first.person,
                        network: first.network,
                        day,
                        source: "follow_up",
                    });
                }
            }
            discussions.extend(chosen);
        }
    }
    discussions.sort_by_key(|d| (d.day, d.network, d.person));
    discussions
}

/// What the planted effect did: the truth an evaluation should recover.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EffectTruth {
    /// People discussed at least once.
    pub people_discussed: u64,
    /// Discussions, first and follow-up.
    pub discussions: u64,
    /// Events in the 12 months after a first MDT as they were before the effect.
    pub ae_attendances_without_effect: u64,
    /// A&E attendances the effect removed.
    pub ae_attendances_removed: u64,
    /// Emergency admissions in those 12 months before the effect.
    pub emergency_admissions_without_effect: u64,
    /// Emergency admissions the effect removed.
    pub emergency_admissions_removed: u64,
    /// Social care cost in those 12 months before the effect, in pounds.
    pub social_care_cost_without_effect: f64,
    /// Social care cost the effect added, in pounds.
    pub social_care_cost_added: f64,
}

impl EffectTruth {
    /// Adds another block's counts.
    pub fn merge(&mut self, other: &EffectTruth) {
        self.ae_attendances_without_effect += other.ae_attendances_without_effect;
        self.ae_attendances_removed += other.ae_attendances_removed;
        self.emergency_admissions_without_effect += other.emergency_admissions_without_effect;
        self.emergency_admissions_removed += other.emergency_admissions_removed;
        self.social_care_cost_without_effect += other.social_care_cost_without_effect;
        self.social_care_cost_added += other.social_care_cost_added;
    }
}

/// Applies the effect to one block's events, in the window (first MDT, first MDT + 365].
pub fn apply_effect(
    block: &mut Block,
    first_mdt: &[Option<i32>],
    effect: &PlantedEffect,
    seed: u64,
) -> EffectTruth {
    let mut truth = EffectTruth::default();
    let mut keep = vec![true; block.events.len()];
    let mut current: Option<(u32, rand_chacha::ChaCha8Rng)> = None;
    for (row, keep_row) in keep.iter_mut().enumerate() {
        let person = block.events.person[row];
        let Some(index_day) = first_mdt[person as usize] else {
            continue;
        };
        let start = block.events.start[row];
        if start <= index_day || start > index_day + 365 {
            continue;
        }
        if current.as_ref().is_none_or(|(p, _)| *p != person) {
            current = Some((person, stream(seed, Stream::Effect, u64::from(person))));
        }
        let Some((_, rng)) = current.as_mut() else {
            continue;
        };
        // One draw per eligible row whatever the effect, so that boroughs differing only in
        // the effect differ only in the rows it removes.
        let draw: f64 = rng.random();
        let setting = block.events.setting[row];
        match setting {
            Setting::AeAttendance => {
                truth.ae_attendances_without_effect += 1;
                if draw < effect.ae_reduction {
                    *keep_row = false;
                    truth.ae_attendances_removed += 1;
                }
            }
            Setting::EmergencyAdmission => {
                truth.emergency_admissions_without_effect += 1;
                if draw < effect.emergency_admission_reduction {
                    *keep_row = false;
                    truth.emergency_admissions_removed += 1;
                }
            }
            s if s.is_social_care() => {
                let cost = block.events.cost[row];
                truth.social_care_cost_without_effect += cost;
                truth.social_care_cost_added += cost * effect.social_care_cost_increase;
                block.events.cost[row] = cost * (1.0 + effect.social_care_cost_increase);
            }
            _ => {}
        }
    }
    block.events.retain(&keep);
    truth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_fall_on_one_weekday_at_the_right_interval() {
        let weekly = meeting_days(0, 19_000, 19_031);
        assert!(weekly.len() >= 4);
        assert!(weekly.windows(2).all(|w| w[1] - w[0] == 7));
        let fortnightly = meeting_days(1, 19_000, 19_031);
        assert!(fortnightly.windows(2).all(|w| w[1] - w[0] == 14));
        assert!(fortnightly.iter().all(|d| (19_000..19_031).contains(d)));
    }
}

//! One run of the design: candidates (with index dates moved for a placebo), the
//! propensity score, the matchings and the outcome windows of the matched sets, and the
//! networks reported on.

use super::*;

/// The smallest number of matched treated people worth estimating from.
pub const MINIMUM_MATCHED: usize = 20;

pub(super) struct Clock {
    pub(super) started: Instant,
    pub(super) timings: Vec<Timing>,
}

impl Clock {
    pub(super) fn lap(&mut self, step: &str) {
        self.timings.push(Timing {
            step: step.into(),
            seconds: self.started.elapsed().as_secs_f64(),
        });
        self.started = Instant::now();
    }
}

/// One run's matched sample with everything measured on it.
pub(super) struct Run {
    /// Shared by the further matchings of the same candidates.
    pub(super) candidates: Arc<Candidates>,
    pub(super) model: Propensity,
    /// The rows the propensity model was fitted on: every treated row, then the sampled
    /// control rows.
    pub(super) propensity_rows: Vec<usize>,
    pub(super) fitted_on_treated: usize,
    /// The Mahalanobis metric used within the caliper, if any.
    pub(super) mahalanobis: Option<MahalanobisReport>,
    pub(super) logits: Vec<f64>,
    pub(super) matching: Matching,
    /// Per matched set: its rows (treated first) with their weights.
    pub(super) sets: Vec<Vec<(usize, f64)>>,
    /// Outcomes of each row in `sets`, in the same order.
    pub(super) windows: Vec<Vec<Windows>>,
    pub(super) censoring: Option<CensoringReport>,
}

/// One run: the candidates with index dates moved by `shift_days`, then [`matched_run`].
/// Given the main run (for a placebo run), the covariates it measured are read from it and
/// the propensity fit starts from its coefficients: the same covariates of people much
/// like its own, so fewer iterations reach the same maximum.
pub(super) fn run(
    histories: &Histories,
    risk: &RiskModel,
    options: &EvaluationOptions,
    shift_days: i32,
    main: Option<&Run>,
    clock: &mut Clock,
    prefix: &str,
) -> Result<Run, EvaluationError> {
    let measured = main.map(|m| m.candidates.as_ref());
    let candidates = candidates(histories, risk, shift_days, options.controls, measured);
    clock.lap(&format!("{prefix}candidates and covariates"));
    let attrition = &candidates.attrition;
    if attrition.discussed == 0 {
        return Err(EvaluationError::NoDiscussions);
    }
    if attrition.eligible == 0 {
        return Err(EvaluationError::NoEligible(attrition.clone()));
    }
    let rows = &candidates.rows;
    let controls = rows.iter().filter(|r| !r.treated).count();
    if controls < attrition.eligible {
        return Err(EvaluationError::TooFewControls {
            treated: attrition.eligible,
            pool: controls,
            matched: 0,
        });
    }
    matched_run(
        histories,
        risk,
        options,
        Arc::new(candidates),
        options.seed,
        main.map(|m| &m.model),
        clock,
        prefix,
    )
}

/// The propensity score, matching and outcomes of `candidates`, with the propensity model
/// fitted on every treated row and a sample of control rows drawn with `seed` (starting
/// from `near`'s coefficients where given: another matching's model of the same
/// candidates).
#[allow(clippy::too_many_arguments)]
pub(super) fn matched_run(
    histories: &Histories,
    risk: &RiskModel,
    options: &EvaluationOptions,
    candidates: Arc<Candidates>,
    seed: u64,
    near: Option<&Propensity>,
    clock: &mut Clock,
    prefix: &str,
) -> Result<Run, EvaluationError> {
    let attrition = &candidates.attrition;
    let rows = &candidates.rows;
    let controls: Vec<usize> = (0..rows.len()).filter(|&r| !rows[r].treated).collect();
    // Fit on every treated row and a seeded sample of control rows.
    let mut fit_rows: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].treated).collect();
    let treated_rows = fit_rows.len();
    let mut sample = controls.clone();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    sample.shuffle(&mut rng);
    sample.truncate(options.fit_controls.max(treated_rows));
    sample.sort_unstable();
    fit_rows.extend(&sample);
    let names: Vec<String> = candidates
        .covariates
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let treated_flags: Vec<bool> = fit_rows.iter().map(|&r| rows[r].treated).collect();
    let model = fit_propensity(
        &names,
        fit_rows.len(),
        &treated_flags,
        |r, c| candidates.value(fit_rows[r], c),
        near,
    )?;
    let logits: Vec<f64> = (0..rows.len())
        .into_par_iter()
        .map(|r| {
            let values = candidates.row_values(r);
            model.logit(|c| f64::from(values[c]))
        })
        .collect();
    clock.lap(&format!("{prefix}propensity score"));

    let units = units_of(histories, options, &candidates, &logits);
    let mahalanobis = if options.mahalanobis.is_empty() {
        None
    } else {
        let columns = options
            .mahalanobis
            .iter()
            .map(|name| {
                names.iter().position(|n| n == name).ok_or_else(|| {
                    EvaluationError::UnknownCovariate(name.clone(), names.join(", "))
                })
            })
            .collect::<Result<Vec<usize>, _>>()?;
        let (fit_treated, fit_controls) = fit_rows.split_at(treated_rows);
        Some(Mahalanobis::pooled(
            &names,
            &columns,
            fit_treated,
            fit_controls,
            |r, c| candidates.value(r, c),
        ))
    };
    let values = &candidates;
    let metric = mahalanobis.as_ref().map(|(m, _)| {
        move |a: usize, b: usize| m.squared(|c| values.value(a, c), |c| values.value(b, c))
    });
    let matching = nearest_neighbour_by(
        &units,
        &options.matching,
        metric.as_ref().map(|f| f as &dyn Fn(usize, usize) -> f64),
    );
    clock.lap(&format!("{prefix}matching"));
    if matching.sets.len() < MINIMUM_MATCHED {
        return Err(EvaluationError::TooFewControls {
            treated: attrition.eligible,
            pool: controls.len(),
            matched: matching.sets.len(),
        });
    }
    let sets: Vec<Vec<(usize, f64)>> = matching
        .sets
        .iter()
        .map(|s| {
            let weight = 1.0 / s.controls.len() as f64;
            std::iter::once((s.treated, 1.0))
                .chain(s.controls.iter().map(|&c| (c, weight)))
                .collect()
        })
        .collect();
    // Matched controls with their index day, for the censoring model.
    let followed: Vec<(usize, i32)> = sets
        .iter()
        .flat_map(|set| {
            let index = rows[set[0].0].index_day;
            set[1..].iter().map(move |&(r, _)| (r, index))
        })
        .collect();
    let (weights, censoring) = match options.follow_up {
        ControlFollowUp::Weighted => {
            // The censoring model's rows: the matched controls, then those of a wider
            // matching that are not among them.
            let mut fitted = followed.clone();
            let wider_ratio = (options.censoring_fit_ratio > options.matching.ratio)
                .then_some(options.censoring_fit_ratio);
            if let Some(ratio) = wider_ratio {
                let wider = nearest_neighbour_by(
                    &units,
                    &MatchOptions {
                        ratio,
                        ..options.matching
                    },
                    metric.as_ref().map(|f| f as &dyn Fn(usize, usize) -> f64),
                );
                let matched: IntSet<usize> = followed.iter().map(|&(r, _)| r).collect();
                fitted.extend(wider.sets.iter().flat_map(|s| {
                    let index = rows[s.treated].index_day;
                    s.controls
                        .iter()
                        .filter(|c| !matched.contains(c))
                        .map(move |&c| (c, index))
                }));
            }
            let (weights, report) =
                censoring_weights(histories, risk, &candidates, &fitted, followed.len());
            (
                weights,
                Some(CensoringReport {
                    wider_ratio,
                    ..report
                }),
            )
        }
        _ => (Vec::new(), None),
    };
    let weight_of: IntMap<usize, &FollowUpWeights> = followed
        .iter()
        .zip(&weights)
        .map(|(&(r, _), w)| (r, w))
        .collect();
    let windows = matched_windows(
        histories,
        rows,
        &sets,
        options.follow_up,
        options.include_index_day,
        &weight_of,
        Some(&risk.scorer()),
    );
    clock.lap(&format!("{prefix}outcomes"));
    Ok(Run {
        candidates,
        model,
        propensity_rows: fit_rows,
        fitted_on_treated: treated_rows,
        mahalanobis: mahalanobis.map(|(_, report)| report),
        logits,
        matching,
        sets,
        windows,
        censoring,
    })
}

/// Each matched person's windows (`sets` of candidate rows), with controls discussed
/// later followed as `follow_up` says, their days and events weighted by `weight_of` (by
/// candidate row; 1 where absent), and the year before of a control cut short or weighted
/// counted as much as its year after was followed; with `scorer`, their risk scores on
/// the covariate day and on the last day of the year after, where followed to it.
pub(super) fn matched_windows(
    histories: &Histories,
    rows: &[Row],
    sets: &[Vec<(usize, f64)>],
    follow_up: ControlFollowUp,
    include_index_day: bool,
    weight_of: &IntMap<usize, &FollowUpWeights>,
    scorer: Option<&Scorer<'_>>,
) -> Vec<Vec<Windows>> {
    let unweighted = FollowUpWeights::default();
    sets.par_iter()
        .map(|set| {
            let index = rows[set[0].0].index_day;
            set.iter()
                .map(|&(r, _)| {
                    let end = match (rows[r].later_mdt, follow_up) {
                        (None, _) | (Some(_), ControlFollowUp::IntentionToTreat) => {
                            histories.extract_day
                        }
                        (Some(d), ControlFollowUp::Weighted) => {
                            (month_start(d) - 1).min(histories.extract_day)
                        }
                        (Some(d), ControlFollowUp::Censored) => (d - 1).min(histories.extract_day),
                    };
                    let history = histories.history(rows[r].person as usize);
                    let span = (histories.data_start, end);
                    let weights = weight_of.get(&r).copied();
                    let mut w = windows(
                        &history,
                        index,
                        include_index_day,
                        span,
                        weights.unwrap_or(&unweighted),
                    );
                    // A control followed for less than its year (cut at a later MDT), or
                    // weighted for those who were, counts its year before as much as its
                    // year after was followed: the difference in differences then compares
                    // the same people before and after. Otherwise the controls kept after
                    // the index are compared against all controls before it, and the
                    // persistent need of those discussed later (more than the rest) passes
                    // for an effect where the censoring model does not see it.
                    if weights.is_some() || end < histories.extract_day {
                        let uncensored = days_after(
                            &history,
                            index,
                            include_index_day,
                            (histories.data_start, histories.extract_day),
                        );
                        if uncensored > 0.0 {
                            w.weigh_before(w.days[1] / uncensored);
                        }
                    }
                    if let Some(scorer) = scorer {
                        let score = |day: i32, practice: u32| {
                            scorer.score(&state_at(&history, day, practice), histories)
                        };
                        let before = score(month_start(index) - 1, rows[r].practice);
                        // The last day of the year after, as the windows bound it.
                        let last = index + if include_index_day { 364 } else { 365 };
                        let after = (last <= end && history.alive_on(last))
                            .then(|| history.practice_on(last))
                            .flatten()
                            .map(|practice| {
                                let weight = weights.map_or(1.0, |w| w.on(last));
                                (score(last, practice), weight)
                            });
                        w.set_risk_scores(before, after);
                    }
                    w
                })
                .collect()
        })
        .collect()
}

/// The networks an evaluation reports on, each as a small code (0 = none): first those of
/// the practices, in practice order, then any other that held an MDT discussion.
pub(super) struct Networks {
    /// By code; code 0 is "none".
    pub(super) names: Vec<String>,
    /// Per practice, its network's code.
    pub(super) practice: Vec<u16>,
    /// Per person, the code of the network whose MDT discussed them first (0 where never
    /// discussed).
    pub(super) first_discussed_by: Vec<u16>,
}

impl Networks {
    pub(super) fn of<'h>(histories: &'h Histories) -> Networks {
        let mut codes: HashMap<&'h str, u16> = HashMap::new();
        let mut names = vec!["none".to_string()];
        let mut code = |name: &'h str| -> u16 {
            *codes.entry(name).or_insert_with(|| {
                names.push(name.to_string());
                (names.len() - 1) as u16
            })
        };
        let practice = histories
            .practices
            .iter()
            .map(|p| p.network.as_deref().map_or(0, &mut code))
            .collect();
        let discussed: Vec<u16> = histories.mdt_network_ids.iter().map(|n| code(n)).collect();
        let first_discussed_by = (0..histories.people.len())
            .map(|i| {
                let network = histories.history(i).mdt_networks.first().copied();
                network.map_or(0, |n| discussed[usize::from(n)])
            })
            .collect();
        Networks {
            names,
            practice,
            first_discussed_by,
        }
    }

    /// A candidate row's network: for the treated, the network whose MDT discussed them
    /// first (the one whose work is evaluated); for a control, their practice's on the
    /// covariate day (the one whose MDT would have discussed them).
    pub(super) fn of_row(&self, row: &Row) -> u16 {
        if row.treated {
            self.first_discussed_by[row.person as usize]
        } else {
            self.practice[row.practice as usize]
        }
    }

    /// The network of matched set `s` of `run`: its treated person's.
    pub(super) fn of_set(&self, run: &Run, s: usize) -> u16 {
        self.of_row(&run.candidates.rows[run.sets[s][0].0])
    }

    /// Each network's estimates in `run`'s matched sets ([`matching_estimates`], its pair
    /// bootstrap as the options say; empty for a network with too few sets to estimate), by
    /// code.
    pub(super) fn estimates(
        &self,
        run: &Run,
        options: &EvaluationOptions,
    ) -> Vec<Vec<Option<(f64, f64)>>> {
        (0..self.names.len())
            .into_par_iter()
            .map(|n| {
                let (people, clusters, sets) =
                    members(run, |s| usize::from(self.of_set(run, s)) == n);
                if sets >= MINIMUM_MATCHED {
                    matching_estimates(&people, clusters, options.bootstrap, options.seed)
                } else {
                    Vec::new()
                }
            })
            .collect()
    }
}

/// The units matched on: each candidate row's logit, arm and exact-matching stratum (the
/// index month and the `--exact` fields).
pub(super) fn units_of(
    histories: &Histories,
    options: &EvaluationOptions,
    candidates: &Candidates,
    logits: &[f64],
) -> Vec<Unit> {
    let networks = Networks::of(histories);
    let rows = &candidates.rows;
    let stratum = |r: usize| {
        let mut key = u64::from(rows[r].month);
        for field in &options.exact {
            key = key * 1024 + field.code(candidates, r, &networks);
        }
        key
    };
    (0..rows.len())
        .map(|r| Unit {
            distance: logits[r],
            treated: rows[r].treated,
            stratum: stratum(r),
        })
        .collect()
}

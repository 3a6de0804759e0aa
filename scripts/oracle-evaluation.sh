#!/usr/bin/env bash
# The evaluation against its references:
#  - R's MatchIt (Debian r-cran-matchit 4.5.1) on its own `lalonde` data, three ways (1:1
#    with Austin's caliper of 0.2 SD of the logit, 1:1 without a caliper, 2:1 with the
#    caliper): the same propensity model and SMDs before matching; the ATT and its
#    cluster-robust SE recomputed by statsmodels on Accord's matched sets; how many matched
#    sets agree with MatchIt's is printed (see the note in the output);
#  - on exported Accord data (`accord evaluate --export`): glm's propensity coefficients,
#    and `accord match` on the same rows reproduces `accord evaluate`'s logits;
#  - statsmodels' Poisson GLM with a log person-time offset and cluster-robust covariance
#    refits the matched difference in differences of A&E attendances and emergency admissions,
#    and its NegativeBinomial (NB2) refits the negative binomial sensitivity model;
#  - published answers shipped in the `causaldata` package: on NSW (Dehejia-Wahba's
#    experimental sample) the matched ATT's interval covers the experimental $1,794; on
#    NHEFS the matched effect of quitting smoking on weight gain covers Hernán and Robins'
#    3.4 kg (What If, ch. 15).
# Builds its own venv (cached under $HOME/.cache/accord) and installs R from Debian when it
# can. A reference that cannot be installed is reported loudly as SKIPPED, never as passed.
# Usage: scripts/oracle-evaluation.sh [path to accord binary]   (default: the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${ACCORD_EVALUATION_VENV:-$HOME/.cache/accord/venv-evaluation}"
if ! "$venv/bin/python" -c "import statsmodels, pandas, causaldata" 2>/dev/null; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet statsmodels pandas causaldata; }; then
    echo "SKIPPED: evaluation oracle (could not install statsmodels, pandas and causaldata into $venv)"
    exit 0
  fi
fi
if ! Rscript -e 'library(MatchIt); library(sandwich)' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-base-core r-cran-matchit r-cran-sandwich >/dev/null 2>&1 || true
  fi
fi
have_r=1
Rscript -e 'library(MatchIt); library(sandwich)' >/dev/null 2>&1 || have_r=0
bin="${1:-${CARGO_TARGET_DIR:-target}/release/accord}"
[ -x "$bin" ] || { echo "FAIL: no accord binary at $bin (run cargo test --workspace first)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" synth --persons 40000 --seed 21 --out "$work/borough" > /dev/null 2>&1
"$bin" evaluate --data "$work/borough" --bootstrap 200 --no-placebo --export "$work/rows" --json > "$work/evaluation.json"

if [ "$have_r" = 1 ]; then
  # MatchIt on lalonde and on Accord's propensity rows; results as CSV for the comparison.
  Rscript - "$work" <<'R'
suppressPackageStartupMessages({ library(MatchIt); library(sandwich) })
work <- commandArgs(trailingOnly = TRUE)[1]
data("lalonde", package = "MatchIt")
lalonde$black <- as.integer(lalonde$race == "black")
lalonde$hispan <- as.integer(lalonde$race == "hispan")
rownames(lalonde) <- NULL
write.csv(lalonde[, c("treat", "age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75", "re78")],
          file.path(work, "lalonde.csv"), row.names = FALSE)
run <- function(name, data, formula, exact, ratio, caliper, outcome) {
  args <- list(formula, data = data, method = "nearest", distance = "glm", link = "linear.logit",
               ratio = ratio, m.order = "largest")
  if (!is.null(caliper)) args$caliper <- caliper
  if (!is.null(exact)) args$exact <- exact
  m <- do.call(matchit, args)
  mm <- m$match.matrix
  pairs <- data.frame(treated = as.integer(rownames(mm)) - 1)
  for (k in seq_len(ncol(mm))) pairs[[paste0("control", k)]] <- as.integer(mm[, k]) - 1
  write.csv(pairs, file.path(work, paste0(name, "_pairs.csv")), row.names = FALSE)
  s <- summary(m, standardize = TRUE)
  bal <- data.frame(covariate = rownames(s$sum.all), smd_before = s$sum.all[, "Std. Mean Diff."],
                    smd_after = s$sum.matched[, "Std. Mean Diff."])
  write.csv(bal, file.path(work, paste0(name, "_balance.csv")), row.names = FALSE)
  write.csv(data.frame(coef = coef(m$model)), file.path(work, paste0(name, "_coef.csv")))
  if (!is.null(outcome)) {
    md <- match.data(m)
    fit <- lm(as.formula(paste(outcome, "~ treat")), data = md, weights = weights)
    v <- vcovCL(fit, cluster = ~subclass)
    write.csv(data.frame(att = coef(fit)["treat"], se = sqrt(v["treat", "treat"])),
              file.path(work, paste0(name, "_att.csv")), row.names = FALSE)
  }
}
f <- treat ~ age + educ + black + hispan + married + nodegree + re74 + re75
run("lalonde_caliper", lalonde, f, NULL, 1, 0.2, "re78")
run("lalonde_nocaliper", lalonde, f, NULL, 1, NULL, "re78")
run("lalonde_ratio2", lalonde, f, NULL, 2, 0.2, "re78")
p <- read.csv(file.path(work, "rows", "propensity.csv"))
covs <- setdiff(names(p), c("treat", "month", "sex", "accord_logit"))
# As Accord does, leave out covariates constant within either arm (they separate the arms).
covs <- covs[sapply(covs, function(c) length(unique(p[[c]][p$treat == 1])) > 1 &&
                                      length(unique(p[[c]][p$treat == 0])) > 1)]
fa <- as.formula(paste("treat ~", paste(covs, collapse = " + ")))
# MatchIt 4.5.1 stops in rbind when `exact` strata meet a caliper, so match each
# (month, sex) stratum on its own with the propensity logit of the whole fit and the caliper
# in absolute units (0.2 SD of that logit over all rows): what exact matching does.
ps <- glm(fa, data = p, family = binomial())
write.csv(data.frame(coef = coef(ps)), file.path(work, "accord_coef.csv"))
p$lp <- predict(ps, type = "link")
width <- 0.2 * sd(p$lp)
pairs <- data.frame(treated = integer(0), control1 = integer(0))
for (key in unique(paste(p$month, p$sex))) {
  rows <- which(paste(p$month, p$sex) == key)
  sub <- p[rows, ]
  if (sum(sub$treat == 1) == 0 || sum(sub$treat == 0) == 0) next
  m <- matchit(treat ~ lp, data = sub, method = "nearest", distance = sub$lp,
               caliper = width, std.caliper = FALSE, m.order = "largest")
  mm <- m$match.matrix
  got <- data.frame(treated = as.integer(rownames(mm)) - 1,
                    control1 = as.integer(mm[, 1]) - 1)
  pairs <- rbind(pairs, got)
}
write.csv(pairs, file.path(work, "accord_pairs.csv"), row.names = FALSE)
R
fi

"$venv/bin/python" - "$work" "$bin" "$have_r" <<'PY'
import json, pathlib, subprocess, sys
import numpy as np, pandas as pd
import statsmodels.api as sm

work, binary, have_r = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
failures = []
def check(what, got, want, tol):
    err = float(np.max(np.abs(np.asarray(got, float) - np.asarray(want, float))))
    status = "ok" if err <= tol else "FAIL"
    print(f"  {status:4} {what:64} max |difference| {err:.2e} (tolerance {tol:.0e})")
    if not err <= tol:  # NaN fails too
        failures.append(what)
def expect(what, ok, detail):
    print(f"  {'ok' if ok else 'FAIL':4} {what:64} {detail}")
    if not ok:
        failures.append(what)

def accord_match(csv, covariates, exact=None, outcome=None, ratio=1, caliper=0.2):
    cmd = [binary, "match", "--csv", str(csv), "--treatment", "treat",
           "--covariates", ",".join(covariates), "--ratio", str(ratio), "--caliper", str(caliper), "--json"]
    if exact:
        cmd += ["--exact", ",".join(exact)]
    if outcome:
        cmd += ["--outcome", outcome]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)

def pair_parity(name, ours):
    """Matched sets against MatchIt's: reported, not required (see the note printed below)."""
    pairs = pd.read_csv(work / f"{name}_pairs.csv")
    controls = [c for c in pairs.columns if c.startswith("control")]
    r_sets = {}
    for _, row in pairs.iterrows():
        got = [int(row[c]) for c in controls if not pd.isna(row[c]) and row[c] >= 0]
        if got:
            r_sets[int(row["treated"])] = sorted(got)
    our_sets = {s["treated"]: sorted(s["controls"]) for s in ours["matching"]["sets"]}
    same = sum(1 for t, c in our_sets.items() if r_sets.get(t) == c)
    print(f"  info {name}: matched treated {len(our_sets)} (MatchIt {len(r_sets)}); identical sets {same}")

def coefficients(name, ours):
    coef = pd.read_csv(work / f"{name}_coef.csv", index_col=0)["coef"].dropna()
    fit = ours["propensity"]["fit"]
    mine = dict(zip(fit["names"], fit["coefficients"]))
    names = [n if n != "(Intercept)" else "intercept" for n in coef.index]
    check(f"{name}: propensity coefficients vs glm", [mine[n] for n in names], coef.to_numpy(), 1e-6)

def att_on_our_sets(name, table, ours, outcome):
    """lm(y ~ treat, weights) clustered by matched set, as MatchIt's vignette and
    sandwich::vcovCL (HC1) compute it, on Accord's matched sets."""
    w = np.array(ours["weights"])
    cluster = np.full(len(w), -1)
    for k, s in enumerate(ours["matching"]["sets"]):
        cluster[s["treated"]] = k
        cluster[s["controls"]] = k
    keep = w > 0
    X = sm.add_constant(table["treat"].to_numpy(float)[keep])
    fit = sm.WLS(table[outcome].to_numpy(float)[keep], X, weights=w[keep]).fit(
        cov_type="cluster", cov_kwds={"groups": cluster[keep]})
    check(f"{name}: ATT vs weighted least squares on the matched sets", ours["att"]["estimate"], fit.params[1], 1e-6)
    check(f"{name}: cluster-robust SE vs statsmodels (vcovCL's HC1)", ours["att"]["standard_error"], fit.bse[1], 1e-6)

def compare(name, ours, covariates, table=None, outcome=None):
    pair_parity(name, ours)
    coefficients(name, ours)
    bal = pd.read_csv(work / f"{name}_balance.csv").set_index("covariate")
    ours_bal = {b["name"]: b for b in ours["balance"]}
    before = [ours_bal[c]["before"]["smd"] for c in covariates]
    check(f"{name}: SMD before matching vs summary.matchit", before, bal.loc[covariates, "smd_before"], 1e-6)
    if table is not None:
        att_on_our_sets(name, table, ours, outcome)

lalonde_covs = ["age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75"]
if have_r:
    print("MatchIt on its lalonde data (614 people, 185 treated):")
    lalonde = pd.read_csv(work / "lalonde.csv")
    compare("lalonde_caliper", accord_match(work / "lalonde.csv", lalonde_covs, outcome="re78"), lalonde_covs, lalonde, "re78")
    compare("lalonde_nocaliper", accord_match(work / "lalonde.csv", lalonde_covs, outcome="re78", caliper=0), lalonde_covs, lalonde, "re78")
    compare("lalonde_ratio2", accord_match(work / "lalonde.csv", lalonde_covs, outcome="re78", ratio=2), lalonde_covs, lalonde, "re78")
    print("  note: without a caliper the matched sets agree except where distances tie; with")
    print("  link = 'linear.logit' and a caliper, Debian's MatchIt 4.5.1 keeps pairs further apart")
    print("  than the caliper it reports (0.361 here) and drops others, so pair parity is reported,")
    print("  not required (docs/evaluation.md).")
    print("MatchIt on Accord's propensity rows (exact on index month and sex):")
    p = pd.read_csv(work / "rows" / "propensity.csv")
    covs = [c for c in p.columns if c not in ("treat", "month", "sex", "accord_logit")
            and p.loc[p.treat == 1, c].nunique() > 1 and p.loc[p.treat == 0, c].nunique() > 1]
    ours = accord_match(work / "rows" / "propensity.csv", covs, exact=["month", "sex"])
    pair_parity("accord", ours)
    coefficients("accord", ours)
    check("accord: evaluate's logit equals the refit on its rows", ours["distance"], p["accord_logit"], 1e-6)
else:
    print("SKIPPED: MatchIt parity (R with r-cran-matchit and r-cran-sandwich could not be installed)")

print("statsmodels Poisson GLM and negative binomial (NB2), offset log(person-days), covariance clustered by the export's cluster column (matched sets joined where they share a person):")
evaluation = json.loads((work / "evaluation.json").read_text())
for outcome in ["ae_attendances", "emergency_admissions"]:
    d = pd.read_csv(work / "rows" / f"did_{outcome}.csv")
    X = pd.DataFrame({"const": 1.0, "post": d["post"], "treated": d["treated"], "post_treated": d["post"] * d["treated"]})
    fit = sm.GLM(d["count"], X, family=sm.families.Poisson(), offset=np.log(d["days"]),
                 var_weights=d["weight"]).fit(cov_type="cluster", cov_kwds={"groups": d["cluster"]}, tol=1e-12)
    result = next(o for o in evaluation["outcomes"] if o["name"] == outcome)
    # The exported rows are the first matching's; the reported ratio averages several
    # (Rubin's rules, checked in accord-evaluation's unit tests against scipy's t).
    ours = (result.get("over_matchings") or {}).get("first_matching") or result["effect_ratio"]
    b, se = fit.params["post_treated"], fit.bse["post_treated"]
    check(f"{outcome}: ratio of rate ratios exp(b3)", ours["estimate"], np.exp(b), 1e-9)
    check(f"{outcome}: cluster-robust 95% CI", [ours["lower"], ours["upper"]], [np.exp(b - 1.959963984540054 * se), np.exp(b + 1.959963984540054 * se)], 1e-6)
    # The negative binomial sensitivity model (NB2, alpha by maximum likelihood); statsmodels'
    # discrete model takes no weights, so this check needs 1:1 matching (every weight 1).
    assert (d["weight"] == 1).all()
    # Started from the Poisson fit and α = 0.5: statsmodels' own start can step α below 0.
    nb = sm.NegativeBinomial(d["count"], X, offset=np.log(d["days"]), loglike_method="nb2").fit(
        start_params=np.append(fit.params.values, 0.5), method="newton", maxiter=200, tol=1e-12, disp=0,
        cov_type="cluster", cov_kwds={"groups": d["cluster"]})
    ours = result["effect_ratio_negative_binomial"]
    b, se = nb.params["post_treated"], nb.bse["post_treated"]
    check(f"{outcome}: negative binomial ratio exp(b3)", ours["estimate"], np.exp(b), 1e-6)
    check(f"{outcome}: negative binomial alpha", result["overdispersion"], nb.params["alpha"], 1e-5)
    check(f"{outcome}: negative binomial cluster-robust 95% CI", [ours["lower"], ours["upper"]], [np.exp(b - 1.959963984540054 * se), np.exp(b + 1.959963984540054 * se)], 1e-5)

print("Published answers shipped in causaldata:")
from causaldata import nsw_mixtape, nhefs_complete
nsw = nsw_mixtape.load_pandas().data
nsw = nsw[["treat", "age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75", "re78"]].astype(float)
nsw.to_csv(work / "nsw.csv", index=False)
ours = accord_match(work / "nsw.csv", ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75"], outcome="re78", caliper=0)
experimental = nsw.loc[nsw.treat == 1, "re78"].mean() - nsw.loc[nsw.treat == 0, "re78"].mean()
att = ours["att"]
expect("NSW: experimental benchmark is $1,794", abs(experimental - 1794.34) < 0.5, f"{experimental:.2f}")
expect("NSW: matched ATT's 95% CI covers the experimental $1,794", att["lower"] <= experimental <= att["upper"],
       f"ATT {att['estimate']:.0f} ({att['lower']:.0f} to {att['upper']:.0f})")
n = nhefs_complete.load_pandas().data
n = n.dropna(subset=["wt82_71"])
frame = pd.DataFrame({"treat": n["qsmk"], "sex": n["sex"], "race": n["race"], "age": n["age"], "age2": n["age"] ** 2,
                      "smokeintensity": n["smokeintensity"], "smokeintensity2": n["smokeintensity"] ** 2,
                      "smokeyrs": n["smokeyrs"], "smokeyrs2": n["smokeyrs"] ** 2, "wt71": n["wt71"], "wt712": n["wt71"] ** 2,
                      "wt82_71": n["wt82_71"]})
for level in [2, 3, 4, 5]:
    frame[f"education{level}"] = (n["education"] == level).astype(float)
for col, levels in [("exercise", [1, 2]), ("active", [1, 2])]:
    for level in levels:
        frame[f"{col}{level}"] = (n[col] == level).astype(float)
frame.astype(float).to_csv(work / "nhefs.csv", index=False)
covs = [c for c in frame.columns if c not in ("treat", "wt82_71")]
ours = accord_match(work / "nhefs.csv", covs, outcome="wt82_71")
att = ours["att"]
expect("NHEFS: matched effect of quitting covers Hernán-Robins' 3.4 kg", att["lower"] <= 3.44 <= att["upper"],
       f"{att['estimate']:.2f} kg ({att['lower']:.2f} to {att['upper']:.2f}) on {len(ours['matching']['sets'])} pairs")

if failures:
    print(f"FAIL: {len(failures)} checks: {failures}")
    sys.exit(1)
print("evaluation oracle: all checks passed")
PY

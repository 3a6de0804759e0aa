#!/usr/bin/env bash
# The risk model against its references, on a generated borough: `accord risk fit --export`
# writes the development matrix (features, outcome, Accord's prediction) and the validation
# scores; then
#  - statsmodels' Logit (Newton) and scikit-learn's LogisticRegression(penalty=None) refit
#    the same matrix: coefficients, standard errors, predictions and log-likelihood must agree;
#  - scikit-learn's roc_auc_score, average_precision_score and brier_score_loss, and
#    statsmodels' GLM for calibration-in-the-large and slope, recompute the model card;
#  - R's pROC (Debian packages r-base-core, r-cran-proc) recomputes the AUC and its DeLong
#    95% interval on the validation scores.
# Builds its own venv (cached under $HOME/.cache/accord) and installs R from Debian when it
# can. A reference that cannot be installed is reported loudly as SKIPPED, never as passed.
# Usage: scripts/oracle-risk.sh [path to accord binary]   (default: the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${ACCORD_RISK_VENV:-$HOME/.cache/accord/venv-risk}"
if ! "$venv/bin/python" -c "import statsmodels, sklearn, pandas" 2>/dev/null; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet statsmodels scikit-learn pandas; }; then
    echo "SKIPPED: risk model oracle (could not install statsmodels and scikit-learn into $venv)"
    exit 0
  fi
fi
if ! Rscript -e 'library(pROC)' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-base-core r-cran-proc >/dev/null 2>&1 || true
  fi
fi
bin="${1:-${CARGO_TARGET_DIR:-target}/release/accord}"
[ -x "$bin" ] || { echo "FAIL: no accord binary at $bin (run cargo test --workspace first)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" synth --persons 30000 --seed 9 --out "$work/borough" > /dev/null
"$bin" risk fit --data "$work/borough" --out "$work/model" --export "$work/matrix" --json > "$work/fit.json"
"$venv/bin/python" - "$work" <<'PY'
import json, pathlib, sys
import numpy as np, pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, average_precision_score, brier_score_loss

work = pathlib.Path(sys.argv[1])
card = json.loads((work / "model" / "model_card.json").read_text())
model = json.loads((work / "model" / "model.json").read_text())
dev = pd.read_csv(work / "matrix" / "development.csv")
X = dev.drop(columns=["outcome", "accord_predicted"]).to_numpy(float)
y = dev["outcome"].to_numpy(float)
names = list(dev.columns[:-2])
assert names == model["fit"]["names"], "the exported columns are the model's"
ours = np.array(model["fit"]["coefficients"])
ours_se = np.array(model["fit"]["standard_errors"])
failures = []
def check(what, got, want, tol):
    err = float(np.max(np.abs(np.asarray(got, float) - np.asarray(want, float))))
    status = "ok" if err <= tol else "FAIL"
    print(f"  {status:4} {what:58} max |difference| {err:.2e} (tolerance {tol:.0e})")
    if err > tol:
        failures.append(what)

print(f"development matrix: {X.shape[0]} people, {X.shape[1]} columns, {int(y.sum())} events")
sm_fit = sm.Logit(y, X).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
check("coefficients vs statsmodels Logit", ours, sm_fit.params, 1e-7)
check("standard errors vs statsmodels Logit", ours_se, sm_fit.bse, 1e-7)
check("log-likelihood vs statsmodels Logit", model["fit"]["log_likelihood"], sm_fit.llf, 1e-6)
check("predicted probabilities vs statsmodels", dev["accord_predicted"], sm_fit.predict(X), 1e-9)
# No penalty: scikit-learn 1.8 deprecates penalty=None in favour of C=inf, the same fit.
sk = LogisticRegression(C=np.inf, fit_intercept=False, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
check("coefficients vs scikit-learn LogisticRegression (no penalty)", ours, sk.coef_[0], 1e-5)
check("predicted probabilities vs scikit-learn", dev["accord_predicted"], sk.predict_proba(X)[:, 1], 1e-7)

val = pd.read_csv(work / "matrix" / "validation.csv")
p, yv = val["accord_predicted"].to_numpy(float), val["outcome"].to_numpy(float)
t = card["temporal"]
check("validation AUC vs roc_auc_score", t["auc"]["auc"], roc_auc_score(yv, p), 1e-12)
check("average precision vs average_precision_score", t["average_precision"], average_precision_score(yv, p), 1e-12)
check("Brier vs brier_score_loss", t["brier"], brier_score_loss(yv, p), 1e-12)
prev = yv.mean()
check("scaled Brier (observed prevalence)", t["scaled_brier"], 1 - brier_score_loss(yv, p) / (prev * (1 - prev)), 1e-12)
lp = np.log(p / (1 - p))
citl = sm.GLM(yv, np.ones((len(yv), 1)), family=sm.families.Binomial(), offset=lp).fit(tol=1e-12)
check("calibration-in-the-large vs GLM(offset = logit p)", t["calibration"]["intercept"], citl.params[0], 1e-7)
slope = sm.Logit(yv, np.column_stack([np.ones(len(yv)), lp])).fit(method="newton", tol=1e-12, disp=0)
check("calibration slope vs Logit(y ~ logit p)", t["calibration"]["slope"], slope.params[1], 1e-7)
order = np.argsort(p, kind="stable")
for d in t["deciles"]:
    n = len(p); rows = order[(d["decile"] - 1) * n // 10 : d["decile"] * n // 10]
    check(f"decile {d['decile']} observed and expected", [d["observed"], d["expected"]], [yv[rows].sum(), p[rows].sum()], 1e-7)
np.savetxt(work / "scores.csv", np.column_stack([yv, p]), delimiter=",", fmt="%.17g")
(work / "auc.csv").write_text(f"{t['auc']['lower']!r},{t['auc']['auc']!r},{t['auc']['upper']!r}\n")
if failures:
    print("FAILED:", ", ".join(failures)); sys.exit(1)
PY
if Rscript -e 'library(pROC)' >/dev/null 2>&1; then
  Rscript - "$work" <<'R'
suppressMessages(library(pROC))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(file.path(args[1], "scores.csv"), header = FALSE)
r <- roc(d$V1, d$V2, levels = c(0, 1), direction = "<", quiet = TRUE)
ci <- ci.auc(r, method = "delong")
got <- as.numeric(read.csv(file.path(args[1], "auc.csv"), header = FALSE)[1, ])
err <- max(abs(got - as.numeric(ci)))
cat(sprintf("  %-4s %-58s max |difference| %.2e (tolerance 1e-09)\n", ifelse(err <= 1e-9, "ok", "FAIL"), "AUC and DeLong 95% CI vs pROC ci.auc(method = \"delong\")", err))
cat(sprintf("       pROC: %.6f (%.6f to %.6f); Accord: %.6f (%.6f to %.6f)\n", ci[2], ci[1], ci[3], got[2], got[1], got[3]))
if (err > 1e-9) quit(status = 1)
R
else
  echo "SKIPPED: DeLong interval vs pROC (R with r-cran-proc is not installed and could not be)"
fi
echo "risk oracle: all checks passed"

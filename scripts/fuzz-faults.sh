#!/usr/bin/env bash
# Fuzz and fault injection: tries the `accord` binary as a careless user and a hostile file
# would, and reports every panic, every bad input accepted in silence and every output lost.
#   - corrupted Parquet (bytes flipped, truncated, zeroed, swapped between tables), with the
#     manifest left as it was and with its hashes forged to match;
#   - forged manifests (a file listed twice, row counts, far extract dates, unknown tables,
#     paths out of the folder, garbage), their own hash recomputed as a forger would;
#   - mutated contract registers (a wrong value in each column, overlapping periods, short
#     rows, a misspelt header);
#   - mutated framework definition files (numbers made nan, inf or huge, lines dropped,
#     duplicated or garbled);
#   - malformed CSVs for `accord spc` and `accord match`;
#   - kill -9 at random moments during every writer (synth, refresh, risk fit, evaluate,
#     export), after which the previous output must be intact and the next run must succeed
#     and clear what the killed one left;
#   - two writers of one output at once;
#   - a full disk (a small tmpfs; SKIPPED, loudly, where one cannot be mounted).
# Exits 1 if anything panicked, was silently accepted or was lost.
# Usage: scripts/fuzz-faults.sh [path to accord binary] [rounds per fuzz case (default 20)]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/accord}"
rounds="${2:-20}"
work="$(mktemp -d)"
cleanup() {
  if mountpoint -q "$work/full" 2>/dev/null; then umount "$work/full" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
python3 - "$bin" "$work" "$rounds" <<'PY'
import hashlib, json, os, random, re, shutil, signal, subprocess, sys, time
from pathlib import Path

accord, work, rounds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20261207)
findings = {"panic": [], "silent": [], "lost": [], "unnamed": []}
counts = {}

def run(*args, timeout=600):
    p = subprocess.run([accord, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr

def note(kind, case, detail):
    findings[kind].append(f"{case}: {detail[-400:]}")

def tally(case):
    counts[case] = counts.get(case, 0) + 1

def expect_refused(case, code, err, must_name=None):
    """A bad input must fail cleanly: exit 1, an error, no panic; where `must_name` is given,
    the error must name it (a file, a line)."""
    tally(case)
    if code == 101 or "panicked" in err:
        note("panic", case, err)
    elif code == 0:
        note("silent", case, "accepted")
    elif must_name and not re.search(must_name, err):
        note("unnamed", case, err)

def content_hash(text):
    kept = "".join(l for l in text.splitlines(keepends=True) if not l.startswith("content_sha256 = "))
    return hashlib.sha256(kept.encode()).hexdigest()

def reseal_text(text):
    """Recomputes the manifest's own hash, as a forger would."""
    return re.sub(r'^content_sha256 = ".*"$', f'content_sha256 = "{content_hash(text)}"', text, count=1, flags=re.M)

def forge_file_entry(dataset, relative):
    """Makes the manifest's size and hash of one file match its bytes (the row count stays)."""
    manifest = dataset / "dataset.toml"
    text = manifest.read_text()
    data = (dataset / relative).read_bytes()
    pattern = re.compile(r'(\[\[file\]\]\ntable = "[a-z_]+"\npath = "' + re.escape(relative) + r'"\nrows = \d+\nbytes = )\d+(\nsha256 = ")[0-9a-f]+(")')
    text = pattern.sub(lambda m: f"{m.group(1)}{len(data)}{m.group(2)}{hashlib.sha256(data).hexdigest()}{m.group(3)}", text)
    manifest.write_text(reseal_text(text))

def tree(path):
    """Every file under `path` with its bytes' hash: what must survive."""
    if not path.exists():
        return None
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}

def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))

base = work / "base"
code, out, err = run("synth", "--persons", "3000", "--seed", "5", "--out", base)
assert code == 0, err
snapshot, model = work / "snapshot", work / "model"
for args in (("refresh", "--data", base, "--out", snapshot), ("risk", "fit", "--data", base, "--out", model)):
    code, out, err = run(*args)
    assert code == 0, err
parquet_files = sorted(str(p.relative_to(base)) for p in base.rglob("*.parquet"))

# 1. Corrupted Parquet, plain and with the manifest forged to match.
def corrupt(path):
    """Changes the file's bytes (a swap with itself, or zeros over zeros, is tried again)."""
    original = path.read_bytes()
    while True:
        how = corrupt_once(path, original)
        if path.read_bytes() != original:
            return how

def corrupt_once(path, original):
    data = bytearray(original)
    how = rng.choice(["flip", "truncate", "zero", "append", "swap"])
    if how == "flip":
        for _ in range(rng.randint(1, 20)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    elif how == "truncate":
        data = data[: rng.randrange(len(data))]
    elif how == "zero":
        i = rng.randrange(len(data)); j = min(len(data), i + rng.randint(1, 4096))
        data[i:j] = bytes(j - i)
    elif how == "append":
        data += os.urandom(rng.randint(1, 512))
    else:
        other = base / rng.choice(parquet_files)
        data = bytearray(other.read_bytes())
    path.write_bytes(bytes(data))
    return how

for forged in (False, True):
    case = "forged parquet" if forged else "corrupted parquet"
    for r in range(rounds):
        target = work / f"case-{case.split()[0]}-{r}"
        shutil.copytree(base, target)
        relative = rng.choice(parquet_files)
        how = corrupt(target / relative)
        if forged:
            forge_file_entry(target, relative)
        code, out, err = run("refresh", "--data", target, "--out", work / f"out-{r}")
        if forged:
            # Bytes that still decode to canonical, checked rows may be accepted: they are
            # another dataset, not a wrong one. Only a panic is a finding.
            tally(case)
            if code == 101 or "panicked" in err:
                note("panic", f"{case} ({how} {relative})", err)
        else:
            expect_refused(f"{case}", code, err, re.escape(relative.split("/")[0]))
        shutil.rmtree(target)
        shutil.rmtree(work / f"out-{r}", ignore_errors=True)

# 2. Forged manifests, their own hash recomputed.
manifest_text = (base / "dataset.toml").read_text()
first_file = re.search(r'\[\[file\]\]\n(?:.*\n){5}', manifest_text).group(0)
manifest_forgeries = {
    "a file listed twice": lambda t: t + "\n" + first_file,
    "rows changed": lambda t: re.sub(r"rows = (\d+)", lambda m: f"rows = {int(m.group(1)) + 1}", t, count=1),
    "extract date 9999-12-31": lambda t: re.sub(r"^extract_date = .*$", 'extract_date = "9999-12-31"', t, flags=re.M),
    "extract date ten years on": lambda t: re.sub(r'^extract_date = "(\d+)', lambda m: f'extract_date = "{int(m.group(1)) + 10}', t, count=1, flags=re.M),
    "extract date before the data": lambda t: re.sub(r"^extract_date = .*$", 'extract_date = "2001-01-31"', t, flags=re.M),
    "unknown table": lambda t: t.replace('table = "person"', 'table = "people"', 1),
    "path out of the folder": lambda t: t.replace('path = "person/', 'path = "../person/', 1),
    "schema version": lambda t: re.sub(r"^schema_version = \d+", "schema_version = 7", t, flags=re.M),
    "garbage": lambda t: t[: len(t) // 2] + "\n[[[\n",
    "no files": lambda t: t.split("[[file]]")[0],
    "a file dropped": lambda t: t.replace(first_file, "", 1),
}
for name, forge in manifest_forgeries.items():
    target = work / "case-manifest"
    shutil.copytree(base, target)
    (target / "dataset.toml").write_text(reseal_text(forge(manifest_text)))
    for args in (("dataset", "check", target), ("refresh", "--data", target, "--out", work / "out-m"),
                 ("risk", "fit", "--data", target, "--out", work / "model-m")):
        code, out, err = run(*args)
        expect_refused(f"forged manifest: {name}", code, err, r"dataset\.toml|person|\.parquet")
    edited = forge(manifest_text)
    if edited != manifest_text:
        (target / "dataset.toml").write_text(edited)
        code, out, err = run("dataset", "check", target)
        expect_refused(f"edited manifest: {name}", code, err, r"dataset\.toml")
    shutil.rmtree(target)

# 3. Mutated framework definition files.
frameworks = {}
for name in ("tht", "islington", "richmond", "west_london"):
    code, out, err = run("framework", "list", "--show", name)
    assert code == 0, err
    frameworks[name] = out
def mutate_framework(text):
    lines = text.splitlines()
    numbers = [i for i, l in enumerate(lines) if re.match(r"^(target|per|value|min|max) = -?[0-9.]+$", l.strip())]
    how = rng.choice(["nan", "inf", "huge", "negative", "drop", "duplicate", "garble", "nest"] if numbers else ["drop", "duplicate", "garble", "nest"])
    if how in ("nan", "inf", "huge", "negative"):
        i = rng.choice(numbers)
        key = lines[i].split("=")[0].strip()
        lines[i] = f"{key} = " + {"nan": "nan", "inf": "-inf", "huge": "1e308", "negative": "-5"}[how]
        must_fail = how in ("nan", "inf")
    elif how == "drop":
        del lines[rng.randrange(len(lines))]; must_fail = False
    elif how == "duplicate":
        i = rng.randrange(len(lines)); lines.insert(i, lines[i]); must_fail = False
    elif how == "nest":
        lines.append("x = " + "[" * 600 + "]" * 600); must_fail = True
    else:
        i = rng.randrange(len(lines))
        chars = list(lines[i]) or [" "]
        chars[rng.randrange(len(chars))] = rng.choice("=[]{}\"'#\\\x00é")
        lines[i] = "".join(chars); must_fail = False
    return "\n".join(lines) + "\n", how, must_fail
for r in range(rounds * 3):
    name = rng.choice(list(frameworks))
    text, how, must_fail = mutate_framework(frameworks[name])
    path = work / f"framework-{r}.toml"
    path.write_text(text)
    code, out, err = run("framework", "check", path)
    case = f"framework file ({how})"
    tally(case)
    if code == 101 or "panicked" in err:
        note("panic", case, err)
    elif code == 0 and must_fail:
        note("silent", case, "accepted")
    elif code != 0 and not re.search(r"line \d+", err):
        note("unnamed", case, err)

# 3b. Mutated contract registers: a field made wrong, a row repeated (overlapping
# periods), a row cut short, a header misspelt. Each is refused with its line and field, or
# accepted only where the register stays valid; never a panic.
code, out, err = run("contracts", "synth", "--data", base, "--out", work / "contracts.csv")
assert code == 0, err
register = (work / "contracts.csv").read_text().splitlines()
bad_values = {
    "annual_value_gbp": (["-5", "nan", "1e400", "ten", "12.345"], True),
    "services": (["hospital", "ae;ae", ""], True),
    "start_date": (["2026-02-30", "31/03/2026", ""], True),
    "population": (["age 90-10", "everyone", "segment life_course/nobody", "segment nomodel/x"], True),
    "payment_model": (["barter", ""], True),
    "pooled": (["maybe"], True),
    "provider_name": (["", "é\x00,\"quoted\""], False),
}
columns = register[0].split(",")
for r in range(rounds * 2):
    lines = list(register)
    how = rng.choice(["value", "repeat", "short", "header"])
    must_fail = True
    if how == "value":
        field = rng.choice(list(bad_values))
        values, must_fail = bad_values[field]
        i = rng.randrange(1, len(lines))
        cells = lines[i].split(",")
        if len(cells) != len(columns):
            continue
        cells[columns.index(field)] = rng.choice(values)
        lines[i] = ",".join(cells)
        how = f"{field} made wrong"
        must_fail = must_fail and not (field == "provider_name")
    elif how == "repeat":
        i = rng.randrange(1, len(lines))
        lines.insert(i, lines[i])
    elif how == "short":
        i = rng.randrange(1, len(lines))
        lines[i] = ",".join(lines[i].split(",")[: rng.randint(1, 5)])
    else:
        lines[0] = lines[0].replace("annual_value_gbp", "annual_value")
    path = work / f"contracts-{r}.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run("contracts", "check", path)
    case = f"contract register ({how})"
    tally(case)
    if code == 101 or "panicked" in err:
        note("panic", case, err)
    elif code == 0 and must_fail:
        note("silent", case, "accepted")
    elif code != 0 and not (path.name in err and re.search(r"line \d+", err)):
        note("unnamed", case, err)

# 4. Malformed CSVs for spc and match.
def random_csv(header, rows):
    cells = ["1", "2.5", "", "x", "nan", "inf", "-1.7e308", "1e300", "\"3\"", "2025-13", "2025-01", "0", "1", ",,", "\x00"]
    lines = [header] + [",".join(rng.choice(cells) for _ in range(rng.randint(1, 4))) for _ in range(rows)]
    return "\n".join(lines) + "\n"
for r in range(rounds * 2):
    path = work / f"input-{r}.csv"
    path.write_text(random_csv("period,value", rng.randint(0, 20)))
    code, out, err = run("spc", "--input", path)
    tally("spc csv")
    if code == 101 or "panicked" in err:
        note("panic", "spc csv", err)
    elif code != 0 and path.name not in err:
        note("unnamed", "spc csv", err)
    path.write_text(random_csv("treat,x,y", rng.randint(0, 30)))
    code, out, err = run("match", "--csv", path, "--treatment", "treat", "--covariates", "x", "--outcome", "y")
    tally("match csv")
    if code == 101 or "panicked" in err:
        note("panic", "match csv", err)

# 5. kill -9 during every writer; then the previous output is intact, and the next run
# succeeds and clears what the killed one left.
# The evaluation needs enough people discussed at MDTs to match.
larger = work / "larger"
code, out, err = run("synth", "--persons", "12000", "--seed", "6", "--out", larger)
assert code == 0, err
larger_model = work / "larger-model"
code, out, err = run("risk", "fit", "--data", larger, "--out", larger_model)
assert code == 0, err
writers = {
    "synth --force": (["synth", "--persons", "3000", "--seed", "6", "--force", "--out", "{out}"], base, lambda p: run("dataset", "check", p)[0] == 0),
    "refresh": (["refresh", "--data", str(base), "--out", "{out}"], snapshot, lambda p: run("explain", "--snapshot", p, "--list")[0] == 0),
    "risk fit": (["risk", "fit", "--data", str(base), "--out", "{out}"], model, lambda p: run("risk", "report", "--model", p)[0] == 0),
    "evaluate": (["evaluate", "--data", str(larger), "--risk-model", str(larger_model), "--no-placebo", "--bootstrap", "20", "--out", "{out}"], None, lambda p: json.loads(p.read_text()) is not None),
    "export": (["export", "--snapshot", str(snapshot), "--public", "--out", "{out}"], None, lambda p: p.read_text().startswith("framework,")),
}
for name, (args, template, readable) in writers.items():
    folder = work / f"kill-{name.split()[0]}"
    folder.mkdir()
    out = folder / "output"
    first = [a.replace("{out}", str(out)) for a in args]
    if template is not None:
        shutil.copytree(template, out)
    else:
        code, _, err = run(*first)
        assert code == 0, err
    # How long one run takes, to kill within it.
    started = time.monotonic()
    code, _, err = run(*first)
    assert code == 0, f"{name}: {err}"
    took = time.monotonic() - started
    for r in range(max(3, rounds // 2)):
        before = tree(out)
        p = subprocess.Popen([accord, *first], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, took))
        p.send_signal(signal.SIGKILL)
        p.wait()
        tally(f"kill -9 during {name}")
        # What a reader sees now: the previous output whole, or (killed between the two
        # renames of a swap) none, which the next run puts back before anything else.
        now = tree(out)
        if now is not None and now != before and not readable(out):
            note("lost", f"kill -9 during {name}", "the output is neither the old one nor a whole new one")
        code, _, err = run(*first)
        if code != 0:
            note("lost", f"kill -9 during {name}", f"the next run failed: {err}")
        elif not readable(out):
            note("lost", f"kill -9 during {name}", "the next run's output is unreadable")
        left = leftovers(folder)
        if left:
            note("lost", f"kill -9 during {name}", f"left behind: {left}")

# 6. Two writers of one output at once.
for r in range(max(2, rounds // 5)):
    out = work / "twice"
    ps = [subprocess.Popen([accord, "refresh", "--data", str(base), "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(), p.stderr.read()) for p in ps]
    tally("two writers at once")
    for code, err in results:
        if code == 101 or "panicked" in err:
            note("panic", "two writers at once", err)
        if code != 0 and "another Accord process" not in err:
            note("unnamed", "two writers at once", err)
    if not any(code == 0 for code, _ in results) or run("explain", "--snapshot", out, "--list")[0] != 0:
        note("lost", "two writers at once", str(results))
    if leftovers(work) and any(n.startswith(".twice") for n in leftovers(work)):
        note("lost", "two writers at once", f"left behind: {leftovers(work)}")

# 7. A full disk: a 3 MB tmpfs holding a small dataset, replaced by one too large for it.
full = work / "full"
full.mkdir()
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(full)], capture_output=True).returncode == 0
if not mounted:
    print("SKIPPED: the full-disk case (cannot mount a tmpfs here; it needs root)")
else:
    small = full / "borough"
    code, _, err = run("synth", "--persons", "300", "--seed", "2", "--out", small)
    assert code == 0, err
    before = tree(small)
    for args in (["synth", "--persons", "40000", "--seed", "3", "--force", "--out", small],
                 ["refresh", "--data", str(base), "--out", full / "snapshot"]):
        code, _, err = run(*args)
        tally("full disk")
        if code == 101 or "panicked" in err:
            note("panic", "full disk", err)
        elif code == 0 and args[0] == "synth":
            note("silent", "full disk", "a 40,000-person borough fitted in 3 MB?")
    if tree(small) != before or run("dataset", "check", small)[0] != 0:
        note("lost", "full disk", "the small dataset changed")
    if leftovers(full):
        note("lost", "full disk", f"left behind: {leftovers(full)}")

total = sum(counts.values())
print(f"fuzz and faults: {total} runs")
for case, n in sorted(counts.items()):
    print(f"  {n:5d}  {case}")
bad = 0
for kind, items in findings.items():
    print(f"{kind}: {len(items)}")
    for item in items[:20]:
        print(f"  - {item}")
    bad += len(items)
print("fuzz and faults:", "FAILED" if bad else "nothing panicked, nothing was silently accepted, nothing was lost")
sys.exit(1 if bad else 0)
PY

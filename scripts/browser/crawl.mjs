// Drives Debian's Chromium over the dashboard at BASE: opens every same-site page
// reachable from the overview, fails on console errors, page errors, failed requests and
// HTTP errors, changes the breakdown filter of an indicator page and checks that the
// figure shown equals the API's, checks the risk and evaluation pages against the API, and
// saves screenshots into SHOTS.
// Usage: node crawl.mjs BASE SHOTS
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH ?? ".", "noop.js"));
const { chromium } = require("playwright-core");
const [base, shots] = process.argv.slice(2);
const problems = [];
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.on("console", (m) => { if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`); });
page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
// A request the browser itself cancels by navigating on (ERR_ABORTED, as a favicon still
// loading when the crawl moves to the next page) is not a failure.
page.on("requestfailed", (r) => {
  if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
});
page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });

const shown = (v) => v === null ? "*" : v.toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const seen = new Set();
const queue = [new URL("/", base).href];
const downloads = new Set();
let pages = 0;
while (queue.length) {
  const url = queue.shift();
  if (seen.has(url)) continue;
  seen.add(url);
  const response = await page.goto(url, { waitUntil: "load" });
  pages++;
  if (!response || !response.ok()) { problems.push(`broken link: ${url} (${response?.status()})`); continue; }
  if (!(response.headers()["content-type"] ?? "").startsWith("text/html")) continue;
  const links = await page.$$eval("a[href]", (as) => as.map((a) => [a.href, a.hasAttribute("download")]));
  for (const [href, download] of links) {
    const u = new URL(href);
    u.hash = "";
    if (u.origin !== new URL(base).origin) { problems.push(`link leaves the site: ${href} on ${url}`); continue; }
    if (download) downloads.add(u.href);
    else if (!seen.has(u.href)) queue.push(u.href);
  }
}
for (const url of downloads) {
  const r = await context.request.get(url);
  if (!r.ok()) problems.push(`broken download: ${url} (${r.status()})`);
}
console.log(`opened ${pages} pages and ${downloads.size} downloads`);

// Screenshots of each kind of page.
const views = {
  "overview-tht": "/frameworks/tht",
  "overview-islington": "/frameworks/islington",
  "indicator": "/frameworks/islington/indicators/emergency_admissions",
  "indicator-spc": "/frameworks/islington/indicators/emergency_admissions_monthly",
  "population": "/population",
  "data-quality": "/data-quality",
  "money": "/money",
  "money-contracts": "/money/contracts",
  "money-budgets-tht": "/money/budgets/tht_workstreams",
  "outcome-contract": "/money/contracts/outcomes/richmond_alliance",
};
for (const [name, p] of Object.entries(views)) {
  await page.goto(new URL(p, base).href, { waitUntil: "load" });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

// Money: the workstreams' budgets and what stays outside add up to the contracts' value to
// the penny, the budget page shows each budget as the API has it, and the workbook is an
// xlsx file.
const money = await (await context.request.get(new URL("/api/money", base).href)).json();
const contractsValue = money.contracts.reduce((sum, c) => sum + c.value, 0);
for (const plan of money.plans) {
  const budgets = plan.workstreams.reduce((sum, w) => sum + w.budget, 0) + plan.outside;
  if (budgets !== contractsValue) problems.push(`plan ${plan.id}: budgets add up to ${budgets} pence, the contracts to ${contractsValue}`);
}
const tht = money.plans.find((p) => p.id === "tht_workstreams");
await page.goto(new URL("/money/budgets/tht_workstreams", base).href, { waitUntil: "load" });
const budgetPage = await page.content();
for (const w of tht.workstreams) {
  const pounds = "£" + (w.budget / 100).toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  if (!budgetPage.includes(pounds)) problems.push(`the THT budget page does not show ${w.label}'s budget ${pounds}`);
}
const workbook = await context.request.get(new URL("/money/workbook.xlsx", base).href);
if (!(await workbook.body()).subarray(0, 2).equals(Buffer.from("PK"))) problems.push("the money workbook is not an xlsx file");

// A tile's figure equals the API's.
const overviewApi = await (await context.request.get(new URL("/api/frameworks/islington", base).href)).json();
const firstTile = overviewApi.domains[0].outcomes[0].indicators[0];
await page.goto(new URL("/frameworks/islington", base).href);
const tileText = await page.locator(".tile").first().locator(".value").innerText();
if (tileText !== shown(firstTile.figure.value)) problems.push(`tile shows ${tileText}, API says ${firstTile.figure.value}`);

// The breakdown filter swaps the section in place (no full reload) and shows the API's figure.
const indicator = "/frameworks/islington/indicators/emergency_admissions";
await page.goto(new URL(indicator, base).href, { waitUntil: "load" });
await page.evaluate(() => { window.notReloaded = true; });
const swapped = page.waitForResponse((r) => r.url().includes("breakdown=imd_quintile"));
await page.selectOption("#breakdown-select", "imd_quintile");
await swapped;
await page.waitForFunction(() => document.querySelector("#breakdown h2")?.textContent.includes("deprivation"));
if (!(await page.evaluate(() => window.notReloaded === true))) problems.push("the filter reloaded the whole page");
if (!page.url().includes("breakdown=imd_quintile")) problems.push(`the filter did not update the address: ${page.url()}`);
const period = new URL(page.url()).searchParams.get("period");
const api = await (await context.request.get(new URL(`/api${indicator}?breakdown=imd_quintile&period=${period}`, base).href)).json();
const row = page.locator("#breakdown table tbody tr").first();
// The data table sits in a closed <details>: read its text, not its rendering.
const label = (await row.locator("th").textContent()).trim();
const value = (await row.locator("td").first().textContent()).trim();
const group = api.groups.find((g) => g.label === label);
if (!group) problems.push(`no API group labelled ${label}`);
else if (value !== shown(group.figure.value)) problems.push(`${label}: page shows ${value}, API says ${group.figure.value}`);
else console.log(`filter: ${label} shows ${value}, as the API says`);
await page.screenshot({ path: path.join(shots, "indicator-by-deprivation.png"), fullPage: true });

// The risk card and the evaluation hold small numbers: an anonymous visit goes to the
// sign-in page, and the API refuses; a signed-in analyst sees them.
const anonymous = await context.request.get(new URL("/api/evaluation", base).href);
if (anonymous.status() !== 401) problems.push(`/api/evaluation answers ${anonymous.status()} to no one signed in, not 401`);
await page.goto(new URL("/evaluation", base).href, { waitUntil: "load" });
if (new URL(page.url()).pathname !== "/mdt/sign-in") problems.push(`an anonymous visit to /evaluation lands on ${page.url()}, not the sign-in page`);
await page.fill("#username", "analyst");
await page.fill("#password", "accord-demo-2026");
await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
if (new URL(page.url()).pathname !== "/evaluation") problems.push(`signing in from /evaluation lands on ${page.url()}`);

// The risk page shows the model card's AUC, as the API gives it, and its three charts.
const card = await (await context.request.get(new URL("/api/risk", base).href)).json();
await page.goto(new URL("/risk", base).href, { waitUntil: "load" });
const validation = card.temporal ?? card.split;
const aucText = `${validation.auc.auc.toFixed(3)} (${validation.auc.lower.toFixed(3)} to ${validation.auc.upper.toFixed(3)})`;
if (!(await page.locator("main").innerText()).includes(aucText)) problems.push(`the risk page does not show the AUC ${aucText}`);
for (const id of ["roc", "calibration", "distribution"]) {
  if ((await page.locator(`svg[aria-labelledby="${id}-title ${id}-desc"]`).count()) !== 1) problems.push(`the risk page has no ${id} chart`);
}
await page.screenshot({ path: path.join(shots, "risk.png"), fullPage: true });

// The MDT evaluation: the report shows the API's matched ratios for A&E attendances (Poisson
// and negative binomial) with its charts (forest plots, pre/post bars, overlap, balance).
const evaluationApi = await (await context.request.get(new URL("/api/evaluation", base).href)).json();
await page.goto(new URL("/evaluation", base).href, { waitUntil: "load" });
const report = await page.locator("main").innerText();
const ae = evaluationApi.outcomes.find((o) => o.name === "ae_attendances");
for (const [what, r] of [["matched ratio", ae.effect_ratio], ["negative binomial ratio", ae.effect_ratio_negative_binomial]]) {
  if (!r) { problems.push(`the evaluation has no A&E ${what}`); continue; }
  const text = `${r.estimate.toFixed(3)} (${r.lower.toFixed(3)} to ${r.upper.toFixed(3)})`;
  if (!report.includes(text)) problems.push(`the evaluation page does not show the A&E ${what} ${text}`);
}
const charts = await page.locator("figure.chart-figure svg").count();
if (charts < 6) problems.push(`the evaluation page has ${charts} charts, expected at least 6`);
else console.log(`evaluation: ${charts} charts; A&E ratio ${ae.effect_ratio.estimate.toFixed(3)} as the API says`);
await page.screenshot({ path: path.join(shots, "evaluation.png"), fullPage: true });

await browser.close();
if (problems.length) {
  console.error(`FAIL: ${problems.length} problems`);
  for (const p of [...new Set(problems)].slice(0, 50)) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`ok: no console errors, no broken links; screenshots in ${shots}`);

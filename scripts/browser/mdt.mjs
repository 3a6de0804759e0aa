// Drives Debian's Chromium through the MDT workflow of `accord demo` at BASE (issue 6):
// a network coordinator signs in, schedules a meeting, pulls two people in from case
// finding, records a discussion with an action; the person's page shows both; then a GP
// of another network signs in and is refused that person's page. Any console error, page
// error or failed request fails it. Screenshots go to SHOTS.
// Usage: node mdt.mjs BASE SHOTS
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH ?? ".", "noop.js"));
const { chromium } = require("playwright-core");
const [base, shots] = process.argv.slice(2);
const password = "accord-demo-2026";
const problems = [];
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
let expectForbidden = false;
page.on("console", (m) => { if (m.type() === "error" && !expectForbidden) problems.push(`console error on ${page.url()}: ${m.text()}`); });
page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
// A request the browser itself cancels by navigating on (ERR_ABORTED) is not a failure.
page.on("requestfailed", (r) => {
  if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
});
const fail = async (message) => {
  await page.screenshot({ path: path.join(shots, "mdt-failure.png"), fullPage: true });
  console.error(`FAIL: ${message} (at ${page.url()})`);
  await browser.close();
  process.exit(1);
};
const check = async (condition, message) => { if (!condition) await fail(message); };

async function signIn(username) {
  await page.goto(new URL("/mdt", base).href);
  await check(page.url().includes("/mdt/sign-in"), "an anonymous visit to /mdt goes to the sign-in page");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  await check(new URL(page.url()).pathname === "/mdt", `${username} lands on their networks after signing in`);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "accord_session");
  await check(session && session.httpOnly && session.secure && session.sameSite === "Strict", "the session cookie is HttpOnly, Secure and SameSite=Strict");
}

// 1. The coordinator of the first network schedules a meeting.
await signIn("coordinator.n01");
await Promise.all([page.waitForNavigation(), page.click("text=Schedule meetings")]);
const day = new Date(Date.now() + 40 * 86400000).toISOString().slice(0, 10);
await page.fill("#meeting_date", day);
await page.fill("#start_time", "10:30");
await page.selectOption("#format", "hybrid");
await page.fill("#venue", "Health centre, room 2 (and Teams)");
await page.selectOption("#repeat", "once");
await page.fill("#occurrences", "1");
await page.check("#attendee-0");
await page.check("#attendee-1");
await Promise.all([page.waitForNavigation(), page.click("button:has-text('Schedule')")]);
await check(/\/mdt\/meetings\/\d+/.test(page.url()), "scheduling opens the new meeting");
await check((await page.textContent("h1")).includes(day), "the meeting page shows its date");
const meetingUrl = page.url();

// 2. Two people pulled in from the case-finding list.
const candidates = page.locator("input[name=candidate]");
await check(await candidates.count() >= 2, "the case-finding list offers at least two people");
await candidates.nth(0).check();
await candidates.nth(1).check();
await Promise.all([page.waitForNavigation(), page.click("button:has-text('Add to the case list')")]);
await check((await page.locator("section.panel").count()) === 2, "the case list has the two people");

// 3. A discussion and an action recorded for the first.
const first = page.locator("section.panel").first();
const personLink = first.locator("h3 a");
const personPath = new URL(await personLink.getAttribute("href"), base).pathname;
await first.locator("summary:has-text('Record the discussion')").click();
await first.locator("textarea[name=notes]").fill("Lives alone after a fall; daughter visits weekly. Agreed falls assessment.");
await first.locator("select[name=outcome]").selectOption("actions_agreed");
await first.locator("input[name=action_description]").fill("Falls assessment at home");
await first.locator("select[name=action_owner_id]").selectOption({ index: 1 });
await first.locator("input[name=action_due_on]").fill(day);
await Promise.all([page.waitForNavigation(), first.locator("button:has-text('Record the discussion')").click()]);
await check((await page.locator("section.panel").first().textContent()).includes("Actions agreed"), "the case shows the outcome recorded");
await page.screenshot({ path: path.join(shots, "mdt-meeting.png"), fullPage: true });

// 4. The person's page has the discussion and the action.
await page.goto(new URL(personPath, base).href);
const person = await page.textContent("main");
await check(person.includes("Lives alone after a fall"), "the person's page lists the discussion");
await check(person.includes("Falls assessment at home"), "the person's page lists the action");
await page.screenshot({ path: path.join(shots, "mdt-person.png"), fullPage: true });

// 5. Someone of another network cannot open that person.
await Promise.all([page.waitForNavigation(), page.click("button:has-text('Sign out')")]);
await check(page.url().includes("/mdt/sign-in"), "signing out goes back to the sign-in page");
await signIn("gp.n02");
expectForbidden = true;
const refused = await page.goto(new URL(personPath, base).href);
await check(refused.status() === 403, `a GP of another network is refused the person (got ${refused.status()})`);
await check((await page.textContent("main")).includes("not a member of"), "the refusal says why");
const meeting = await page.goto(meetingUrl);
await check(meeting.status() === 403, "and the meeting's case list");
expectForbidden = false;

await browser.close();
if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`FAIL: ${problems.length} problems in the MDT workflow`);
  process.exit(1);
}
console.log(`MDT workflow in Chromium: meeting scheduled, two people pulled from case finding, discussion and action recorded; ${personPath} refused to another network`);

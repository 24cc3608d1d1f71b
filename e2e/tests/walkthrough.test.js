// A new MSP user's first session, as a person would walk it: sign in to the demo, enroll a
// second factor, open a client, add a location, invite a member, find both in the audit trail,
// and get signed out after the (short, configured) idle timeout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, watchedPage, assertNoProblems, shot, assertAccessible, totp, signIn } from "./helpers.js";

test("a new user walks the product and is logged off when idle", async () => {
  const browser = await launch();
  try {
    const w = await watchedPage(browser);
    const { page } = w;

    // Sign in to the demo as the MSP's administrator.
    await signIn(page, "admin@harborview.example");
    await assert.doesNotReject(page.getByRole("heading", { name: "Client practices" }).waitFor());
    await shot(page, "01-home");
    await assertAccessible(page, "home");

    // Enroll a second factor: the secret is on the page as a QR code and as text.
    await page.getByRole("link", { name: "Your account" }).click();
    await page.getByRole("link", { name: "Manage the second factor" }).click();
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    assert.equal(await page.locator(".qr svg").count(), 1, "QR code drawn as SVG");
    const secret = (await page.locator("#totp-secret").textContent()).trim();
    await shot(page, "02-mfa-setup");
    await assertAccessible(page, "MFA setup");
    await page.getByLabel("6-digit code").fill(totp(secret));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByText("Your authenticator app is set up").first().waitFor();

    // Sign out and back in: now the code is asked for (the next step's code, since each code
    // works once).
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    await shot(page, "03-sign-in");
    await assertAccessible(page, "sign-in");
    await signIn(page, "admin@harborview.example", totp(secret, 1));
    await page.getByRole("heading", { name: "Client practices" }).waitFor();

    // Open a client from the home page.
    await page.getByRole("link", { name: "Lakeside Family Medicine" }).click();
    await page.getByRole("heading", { level: 1, name: "Lakeside Family Medicine" }).waitFor();
    assert.match(await page.locator(".current-org").textContent(), /Lakeside Family Medicine/, "the current client is always visible");
    await shot(page, "04-client-overview");
    await assertAccessible(page, "client overview");

    // Add a location.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Locations", exact: true }).click();
    await page.getByLabel("Name", { exact: true }).fill("Westbrook Walk-in Clinic");
    await page.getByLabel("Kind of place").selectOption("clinic");
    await page.getByLabel("Address (optional)").fill("45 Westbrook Rd, Lakeside, MN 55401");
    await page.getByRole("button", { name: "Add location" }).click();
    await page.getByRole("status").filter({ hasText: "Westbrook Walk-in Clinic" }).waitFor();
    await page.getByRole("cell", { name: "Westbrook Walk-in Clinic" }).waitFor();
    await shot(page, "05-locations");
    await assertAccessible(page, "locations");

    // Invite a member; the one-time link is shown.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members", exact: true }).click();
    await page.getByLabel("E-mail address").fill("dana.nurse@lakeside.example");
    await page.getByLabel("Name", { exact: true }).fill("Dana Nurse");
    await page.getByLabel("Role", { exact: true }).selectOption("client_member");
    await page.getByRole("button", { name: "Invite" }).click();
    const link = await page.locator("#invite-link").inputValue();
    assert.match(link, /^\/invite\/shi_/);
    await page.getByRole("cell", { name: /^Dana Nurse dana.nurse@/ }).waitFor();
    await shot(page, "06-members");
    await assertAccessible(page, "members");

    // Both appear in the audit trail.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit trail", exact: true }).click();
    await page.getByRole("cell", { name: /location "Westbrook Walk-in Clinic" added/ }).waitFor();
    await page.getByRole("cell", { name: /dana.nurse@lakeside.example invited/ }).waitFor();
    await page.getByLabel("Action").selectOption("location.");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/action=location/);
    assert.equal(await page.getByRole("cell", { name: /invited/ }).count(), 0, "the filter narrows the trail");
    await shot(page, "07-audit");
    await assertAccessible(page, "audit trail");

    // The catalog: search a citation's words, open the requirement with its mappings.
    await page.getByRole("link", { name: "Regulatory catalog" }).click();
    await page.getByLabel("Citation or words").fill("automatic logoff");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: "164.312(a)(2)(iii)" }).click();
    await page.getByRole("heading", { level: 1, name: /Automatic logoff/ }).waitFor();
    await page.getByText("Addressable does not mean optional").waitFor();
    await page.getByRole("heading", { name: "Maps to" }).waitFor();
    await shot(page, "16-requirement");
    await assertAccessible(page, "requirement page");

    // The gap view of a client, with the MSP's baseline.
    await page.goto(`${BASE}/orgs/lakeside-family-medicine/gap`);
    await page.getByRole("heading", { level: 1, name: "Gap view" }).waitFor();
    await page.getByText("uses Harborview Managed IT's baseline").waitFor();
    assert.ok(await page.getByText("Related baseline practice in place").count() > 0, "the demo baseline practices related items");
    await shot(page, "17-gap-view");
    await assertAccessible(page, "gap view");

    // The other main pages, for the reviewer's screenshots.
    for (const [path, name] of [["/orgs/lakeside-family-medicine/settings", "08-settings"], ["/audit", "09-audit-all"], ["/account", "10-account"], ["/account/tokens", "11-tokens"], ["/orgs/new", "12-new-client"], ["/orgs/harborview-it", "13-provider-program"], ["/catalog/hipaa-security", "18-framework"], ["/orgs/harborview-it/baseline", "19-baseline"]]) {
      await page.goto(`${BASE}${path}`);
      await page.locator("h1").first().waitFor();
      await shot(page, name);
      await assertAccessible(page, path);
    }

    // The invited member sets a password through the link.
    const invitee = await watchedPage(browser, { width: 390, height: 844 });
    await invitee.page.goto(`${BASE}${link}`);
    await invitee.page.getByLabel("New password").fill("dana's own long password");
    await invitee.page.getByLabel("The same password again").fill("dana's own long password");
    await shot(invitee.page, "14-invitation-phone");
    await assertAccessible(invitee.page, "invitation");
    await invitee.page.getByRole("button", { name: "Set password" }).click();
    await invitee.page.waitForURL(/activated=1/);
    assertNoProblems(invitee);
    await invitee.context.close();

    // Idle: the warning appears, then the session ends and the browser lands on sign-in.
    await page.goto(`${BASE}/orgs/lakeside-family-medicine`);
    const idle = Number(await page.locator("body").getAttribute("data-idle-seconds"));
    assert.ok(idle <= 60, `the e2e server runs with a short idle timeout (${idle}s)`);
    await page.getByRole("dialog", { name: "Still there?" }).waitFor({ timeout: idle * 1000 });
    await shot(page, "15-idle-warning");
    await page.waitForURL(/\/login\?timeout=1/, { timeout: (idle + 10) * 1000 });
    await page.getByText("without activity").waitFor();
    await page.goto(`${BASE}/orgs/lakeside-family-medicine`);
    await page.waitForURL(/\/login/);

    assertNoProblems(w);
    await w.context.close();
  } finally {
    await browser.close();
  }
});

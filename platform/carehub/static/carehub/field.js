// What the phone keeps for field work (issue 16), shared by the pages and the service worker (sw.js imports it):
// the snapshot of the person's tasks and members from GET /api/v1/programme/field/, and the queue of visits and
// talks recorded on the phone, sent one at a time to POST /api/v1/programme/field/records/. Both live in IndexedDB
// (through idb, vendored), one database per unit host. A plain script, no bundler: it defines self.CarehubField.
//
// Rules the server's contract (care.programme.api.field) sets: every record carries the id made here (client_id),
// so a retry is stored once (201 first, 200 "duplicate" after); 409 is a conflict the person decides about
// (nothing was stored); account_deactivated (401 or 403) means the phone must forget everything, not_authenticated
// that the person must sign in before the queue can go.
(function (scope) {
  "use strict";

  const DB_NAME = "carehub-field";
  const SYNC_TAG = "carehub-records";  // the Background Sync tag the worker answers
  const QUEUE_LOCK = "carehub-field-queue";  // one sender at a time across the pages and the worker
  const CHANGED = "carehub-field";  // BroadcastChannel telling every page of the host that the store changed
  const FRESH_MS = 5 * 60 * 1000;  // a snapshot younger than this is not fetched again on a page load
  const BLOCKED_MS = 2000;  // how long forgetting waits for other holders of the database to let it go

  let urls = {snapshot: "", records: ""};
  let opening = null;  // the open database (a promise), shared by everything in this page or worker
  let forgotten = false;  // after forget(): never open (and so re-create) the database again here
  const listeners = new Set();
  const channel = "BroadcastChannel" in scope ? new BroadcastChannel(CHANGED) : null;
  if (channel) {
    channel.onmessage = (event) => {
      if (event.data === "forgotten") {  // another page or the worker wiped the phone: do not re-create anything
        forgotten = true;
        close();
      }
      listeners.forEach((listener) => listener());
    };
  }

  function configure(settings) {
    urls = {...urls, ...settings};
  }

  function database() {
    if (forgotten) return Promise.reject(new Error("forgotten"));
    if (!opening) {
      opening = scope.idb.openDB(DB_NAME, 1, {
        upgrade(db) {
          db.createObjectStore("state");  // "snapshot", "csrf", "last_sync", "signed_out"
          db.createObjectStore("queue", {keyPath: "client_id"});
        },
        // Another page or the worker deletes the database (logout, a deactivated account): let it.
        blocking() { close(); },
        terminated() { opening = null; },
      });
    }
    return opening;
  }

  async function close() {
    const open = opening;
    opening = null;
    if (open) await open.then((db) => db.close(), () => {});
  }

  // Every page of the host (and this one) hears of a change: the sync status and the lists redraw.
  function changed() {
    listeners.forEach((listener) => listener());
    if (channel) channel.postMessage("changed");
  }

  function onChange(listener) {
    listeners.add(listener);
  }

  async function getState(key) {
    return (await database()).get("state", key);
  }

  async function setState(key, value) {
    await (await database()).put("state", value, key);
  }

  // The CSRF token the API wants on POST; the pages store the current one, since the worker cannot read cookies.
  async function rememberToken(token) {
    if (token) await setState("csrf", token);
  }

  // An ISO 8601 time with the phone's own offset ("2026-12-04T09:41:07+08:00"): when the person pressed save.
  function localIso(date) {
    const pad = (number) => String(Math.abs(number)).padStart(2, "0");
    const offset = -date.getTimezoneOffset();
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:`
      + `${pad(date.getMinutes())}:${pad(date.getSeconds())}${offset < 0 ? "-" : "+"}`
      + `${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  }

  // The snapshot, unless it expired: expired data is deleted, never shown.
  async function snapshot() {
    const kept = await getState("snapshot");
    if (kept && Date.parse(kept.data.expires_at) <= Date.now()) {
      await (await database()).delete("state", "snapshot");
      changed();
      return null;
    }
    return kept ? kept.data : null;
  }

  async function syncedNow() {
    await setState("last_sync", new Date().toISOString());
    await setState("signed_out", false);
  }

  // Fetch a new snapshot when the kept one is older than FRESH_MS (or always, with force). A failed network
  // leaves the kept one as it is.
  async function refresh({force = false} = {}) {
    const kept = await getState("snapshot");
    if (!force && kept && Date.now() - Date.parse(kept.fetched_at) < FRESH_MS) return;
    let response;
    try {
      response = await fetch(urls.snapshot, {credentials: "same-origin", headers: {Accept: "application/json"}});
    } catch {
      return;  // no signal
    }
    if (refusal(response)) {
      await refused(response);
      return;
    }
    if (!response.ok) return;
    await setState("snapshot", {data: await response.json(), fetched_at: new Date().toISOString()});
    await syncedNow();
    changed();
  }

  // The API's error ({code, message, fields}) of a refused request, or {} when the body holds none.
  async function errorOf(response) {
    try {
      const body = await response.json();
      return (body && body.error) || {};
    } catch {
      return {};
    }
  }

  // The API refuses a session with 401 (its authentication schemes say how to sign in) or 403.
  const refusal = (response) => response.status === 401 || response.status === 403;

  // The account was deactivated (forget everything), or the session ended (the queue waits for a sign-in), or
  // something else refused. Returns the error so the caller knows which.
  async function refused(response) {
    const error = await errorOf(response);
    if (error.code === "account_deactivated") {
      await forget();
    } else if (error.code === "not_authenticated") {
      await setState("signed_out", true);
      changed();
    }
    return error;
  }

  // Queue --------------------------------------------------------------------------------------------------------

  // Keep a record made on the phone: {kind: "visit"|"talk", member, task (or null), fields, photos (Blobs), label
  // ({member: name}, shown while it waits, whatever becomes of the snapshot)}.
  async function add(record) {
    const item = {
      client_id: scope.crypto.randomUUID(), kind: record.kind, member: record.member, task: record.task || null,
      happened_at: localIso(new Date()), fields: record.fields, photos: record.photos || [], label: record.label,
      state: "waiting", problem: null, saved_at: Date.now(),
    };
    await (await database()).put("queue", item);
    changed();
    return item;
  }

  async function records() {
    const all = await (await database()).getAll("queue");
    return all.sort((a, b) => a.saved_at - b.saved_at);
  }

  async function update(clientId, change) {
    const db = await database();
    const item = await db.get("queue", clientId);
    if (!item) return null;
    Object.assign(item, change);
    await db.put("queue", item);
    changed();
    return item;
  }

  async function discard(clientId) {
    await (await database()).delete("queue", clientId);
    changed();
  }

  // A record whose task was completed or cancelled meanwhile becomes a record of its own: sent again without it.
  function withoutTask(clientId) {
    return update(clientId, {task: null, state: "waiting", problem: null});
  }

  function formOf(item) {
    const form = new FormData();
    form.append("client_id", item.client_id);
    form.append("kind", item.kind);
    form.append("member", String(item.member));
    if (item.task) form.append("task", String(item.task));
    form.append("happened_at", item.happened_at);
    Object.entries(item.fields).forEach(([name, value]) => form.append(name, value));
    item.photos.forEach((photo, index) => form.append("photos", photo, `photo-${index + 1}.jpg`));
    return form;
  }

  // A 400's words: the message, then each field's.
  function problemWords(error) {
    const fields = Object.values(error.fields || {}).flat();
    return [error.message, ...fields].filter(Boolean).join(" ");
  }

  // Send one record. Returns "sent", "kept" (decided or refused: the loop goes on), or "stop" (no signal, the
  // server in trouble, or the person must sign in: the loop ends and the record waits).
  async function sendOne(item) {
    await update(item.client_id, {state: "sending"});
    let response;
    try {
      response = await fetch(urls.records, {
        method: "POST", body: formOf(item), credentials: "same-origin",
        headers: {"X-CSRFToken": (await getState("csrf")) || "", Accept: "application/json"},
      });
    } catch {
      await update(item.client_id, {state: "waiting"});
      return "stop";
    }
    if (response.status === 200 || response.status === 201) {  // 200: an earlier try had stored it
      await discard(item.client_id);
      await syncedNow();
      return "sent";
    }
    if (response.status === 409 || response.status === 400) {
      const error = await errorOf(response);
      await update(item.client_id, {state: "conflict", problem: {code: error.code || "invalid",
                                                                 message: problemWords(error)}});
      return "kept";
    }
    if (refusal(response)) {
      const error = await errorOf(response.clone());
      // The record waits again before anyone hears of the refusal: signed out, or a refusal the person can read
      // (a stale CSRF token mends itself at the next page load). A deactivated account then wipes it with the rest.
      await update(item.client_id, {state: "waiting", problem: error.code === "not_authenticated" ? null
        : {code: error.code || "refused", message: error.message || ""}});
      await refused(response);
      return "stop";
    }
    await update(item.client_id, {state: "waiting"});  // 5xx, 429, a proxy's page: later
    return "stop";
  }

  async function sendAll() {
    // Under the lock nobody else is sending: a record still marked "sending" was cut off (a closed page).
    const stale = (await records()).filter((item) => item.state === "sending");
    for (const item of stale) await update(item.client_id, {state: "waiting"});
    let sent = 0;
    for (;;) {
      const next = (await records()).find((item) => item.state === "waiting");
      if (!next) break;
      const outcome = await sendOne(next);
      if (outcome === "stop") return {sent, stopped: true};
      if (outcome === "sent") sent += 1;
    }
    return {sent, stopped: false};
  }

  // Send the waiting records, oldest first, one at a time. Pages call it on load and when the signal returns,
  // the worker on a Background Sync event; the lock keeps them from sending the same record twice at once.
  // Resolves to {sent, stopped}: stopped when a record could not go (no signal, signed out, server trouble).
  async function send() {
    if (forgotten) return {sent: 0, stopped: false};
    const run = async () => {
      const outcome = await sendAll();
      if (outcome.sent && !forgotten) await refresh({force: true});  // their tasks are done now
      return outcome;
    };
    const locks = scope.navigator.locks;
    return locks ? locks.request(QUEUE_LOCK, run) : run();
  }

  // After a page kept a new record: Background Sync sends it when the signal returns, even with the page closed,
  // where the browser has it; meanwhile the page tries at once.
  async function sendSoon() {
    const registration = await scope.navigator.serviceWorker.getRegistration();
    if (registration && registration.sync) {
      await registration.sync.register(SYNC_TAG).catch(() => {});  // refused (a permission): the page's path remains
    }
    if (scope.navigator.onLine) await send();
  }

  // The sync status every page shows.
  async function status() {
    const all = await records();
    return {
      waiting: all.filter((item) => item.state !== "conflict").length,
      conflicts: all.filter((item) => item.state === "conflict").length,
      sending: all.some((item) => item.state === "sending"),
      lastSync: (await getState("last_sync")) || null,
      signedOut: Boolean(await getState("signed_out")),
    };
  }

  // Forget everything this host keeps on the phone: the database, the worker's caches and the worker itself. At
  // logout (before the form goes; the logout answer's Clear-Site-Data does it again) and for a deactivated account.
  async function forget() {
    forgotten = true;
    await close();
    await new Promise((resolve) => {
      const request = scope.indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = resolve;
      // Another page or the worker still holds it open: they close on `blocking`; one that does not (an old
      // version) must not keep the person from logging out.
      request.onblocked = () => setTimeout(resolve, BLOCKED_MS);
    });
    if (scope.caches) await Promise.all((await scope.caches.keys()).map((name) => scope.caches.delete(name)));
    if (scope.registration) {  // the worker itself
      await scope.registration.unregister();
    } else if (scope.navigator.serviceWorker) {
      const registrations = await scope.navigator.serviceWorker.getRegistrations();
      await Promise.all(registrations.map((registration) => registration.unregister()));
    }
    listeners.forEach((listener) => listener());
    if (channel) channel.postMessage("forgotten");
  }

  scope.CarehubField = {
    SYNC_TAG, configure, onChange, rememberToken, snapshot, refresh, add, records, discard, withoutTask, send,
    sendSoon, status, forget, isForgotten: () => forgotten,
  };
})(self);

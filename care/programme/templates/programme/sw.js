// Carehub's service worker for this unit's host (care.programme.portal.field.service_worker fills in CONFIG).
// Workbox, vendored under /static/ (never a CDN), does the caching:
//  - the field page and every file it loads are precached, revisioned by their bytes;
//  - pages come from the network, the field page too; one that cannot be had shows the precached field page
//    instead (which draws what the phone keeps, and opens the form a record link asked for); on the pages of a
//    field trip a slow answer counts as none;
//  - other static files: from the cache first, kept a day;
//  - nothing under /api/ is touched: the data lives in IndexedDB, under the pages' control (carehub/field.js).
// A Background Sync event sends the queue with the same code the pages use.
"use strict";

const CONFIG = {{ config|safe }};

importScripts(CONFIG.workbox, ...CONFIG.shared);
workbox.setConfig({debug: false, modulePathCb: (name) => CONFIG.modules[name]});
CarehubField.configure({snapshot: CONFIG.snapshot, records: CONFIG.records});

// A new version takes over at once: it only ever serves the field page and static files, which old pages can use.
self.addEventListener("install", () => self.skipWaiting());
workbox.core.clientsClaim();

const fieldPages = CONFIG.fieldPages.map((pattern) => new RegExp(pattern));
const quickly = new workbox.strategies.NetworkOnly({networkTimeoutSeconds: CONFIG.fieldPageSeconds});
const patiently = new workbox.strategies.NetworkOnly();
workbox.routing.registerRoute(new workbox.routing.NavigationRoute(async (options) => {
  const strategy = fieldPages.some((pattern) => pattern.test(options.url.pathname)) ? quickly : patiently;
  try {
    return await strategy.handle(options);
  } catch {
    return (await workbox.precaching.matchPrecache(CONFIG.shell)) || Response.error();
  }
}));

// After the pages' route, which thus answers the field page's own address: its precached copy is the fallback.
workbox.precaching.precacheAndRoute(CONFIG.precache);
workbox.precaching.cleanupOutdatedCaches();

workbox.routing.registerRoute(
  ({url}) => url.origin === self.location.origin && url.pathname.startsWith(CONFIG.static),
  new workbox.strategies.CacheFirst({
    cacheName: "carehub-static",
    plugins: [new workbox.expiration.ExpirationPlugin({maxEntries: 60, maxAgeSeconds: 24 * 60 * 60,
                                                       purgeOnQuotaError: true})],
  }),
);

self.addEventListener("sync", (event) => {
  if (event.tag !== CarehubField.SYNC_TAG) return;
  // Rejecting asks the browser to try again later: so when a record could not go for want of a signal.
  event.waitUntil(CarehubField.send().then((outcome) => {
    if (outcome.stopped) throw new Error("records still waiting");
  }));
});

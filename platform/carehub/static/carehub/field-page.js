// Every signed-in page of a unit's portal (base.html): registers the service worker that makes the portal work
// offline, keeps what the phone holds fresh (carehub/field.js) and shows the sync status in #field-status: online or
// offline, how many records wait and how many need a decision, the last successful sync in the unit's time zone.
// Logging out first asks about records not sent yet, then forgets everything the phone keeps for this host.
(function () {
  "use strict";

  const bar = document.getElementById("field-status");
  const field = window.CarehubField;
  // The console, the login page, or a browser without what offline work needs: nothing to do.
  const able = bar && field && window.isSecureContext && "serviceWorker" in navigator && "indexedDB" in window
    && window.crypto && "randomUUID" in window.crypto;
  if (!able) return;
  const words = bar.dataset;

  // "12-04 09:41" in the unit's time zone (the portal writes dates as m-d).
  function shortTime(iso) {
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {timeZone: words.timeZone, month: "2-digit", day: "2-digit", hour: "2-digit",
                                      minute: "2-digit", hourCycle: "h23"})
      .formatToParts(new Date(iso)).forEach((part) => { parts[part.type] = part.value; });
    return `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  }

  function csrfCookie() {
    const found = document.cookie.split("; ").find((cookie) => cookie.startsWith("csrftoken="));
    return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
  }

  function piece(tag, className, text, href) {
    const element = document.createElement(href ? "a" : tag);
    element.className = className;
    element.textContent = text;
    if (href) element.href = href;
    return element;
  }

  // An async drawing as one at a time: a call while one runs makes it run once more after, with the store as it
  // is then (two overlapping drawings could finish in the wrong order and leave the older state on screen).
  function oneAtATime(drawing) {
    let running = null;
    let again = false;
    return function run() {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await drawing();
          } while (again);
        } finally {
          running = null;
        }
      })();
      return running;
    };
  }

  let drawn = "";
  const draw = oneAtATime(async () => {
    if (field.isForgotten()) return;
    const state = await field.status();
    const online = navigator.onLine;
    const pieces = [piece("span", online ? "field-signal online" : "field-signal offline",
                          online ? words.online : words.offline)];
    if (state.sending) pieces.push(piece("span", "field-sending", words.sending));
    if (state.waiting) {
      pieces.push(piece("a", "field-waiting", words.waiting.replace("{count}", state.waiting), words.fieldPage));
    }
    if (state.conflicts) {
      pieces.push(piece("a", "field-conflicts", words.conflicts.replace("{count}", state.conflicts), words.fieldPage));
    }
    if (state.signedOut && (state.waiting || state.conflicts)) {
      pieces.push(piece("a", "field-sign-in", words.signedOut, words.signIn));
    }
    pieces.push(piece("span", "field-last", state.lastSync
      ? words.lastSync.replace("{time}", shortTime(state.lastSync)) : words.never));
    // A live region: redrawn only when something changed, so screen readers hear changes, not repetitions.
    const text = pieces.map((element) => element.textContent).join("|");
    if (text === drawn) return;
    drawn = text;
    bar.replaceChildren(...pieces);
    bar.hidden = false;
  });

  // My work's visit and talk actions open the phone's form (field-work.js) rather than the server's: a form that
  // is kept on the phone when saved, and sent at once or when the signal returns, the same with a signal or
  // without. On a flaky signal the server's form would fail at the moment of saving, and a form chosen by a guess
  // of the signal (navigator.onLine says "online" on one bar) would change under the person's hands. The server's
  // form stays a link away on the phone's form ("the full form") and on the task's and member's pages.
  function offerPhoneForms() {
    document.querySelectorAll("#my-work a.task-action[data-field-form]").forEach((link) => {
      const where = new URLSearchParams({record: link.dataset.fieldForm, member: link.dataset.fieldMember,
                                         task: link.dataset.fieldTask});
      link.href = `${words.fieldPage}#${where}`;
    });
  }

  async function catchUp({force = false} = {}) {
    if (!navigator.onLine) return;
    await field.send();
    await field.refresh({force});
  }

  // Logging out: ask first when records would be lost, then forget what the phone keeps (the logout answer's
  // Clear-Site-Data header does it again, for browsers that run no script).
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches("form[data-logout]") || form.dataset.forgotten) return;
    event.preventDefault();
    try {
      const {waiting, conflicts} = await field.status();
      if (waiting + conflicts && !window.confirm(words.logoutQuestion.replace("{count}", waiting + conflicts))) return;
    } catch {
      // the store is unreadable: nothing to warn about, still forget it
    }
    await field.forget();
    form.dataset.forgotten = "1";
    form.submit();
  });

  field.configure({snapshot: words.snapshot, records: words.records});
  field.onChange(() => { draw().catch(() => {}); });
  window.addEventListener("offline", () => { draw(); });
  window.addEventListener("online", () => { draw(); catchUp({force: true}); });
  window.CarehubFieldPage = {shortTime, oneAtATime};
  offerPhoneForms();
  navigator.serviceWorker.register(words.worker, {scope: "/", updateViaCache: "none"}).catch(() => {});
  field.rememberToken(csrfCookie() || words.csrf)
    .then(draw)
    .then(() => catchUp());
})();

/*
 * The citizen's ticket page (the QR code's target), on a phone.
 *
 * Follows one ticket over the /ticket namespace: `ticket_updated` carries
 * the ticket at connect and at each change, `line_changed` the places of
 * its service's waiting tickets, from which the position and the estimate
 * are read here without asking the server. When the ticket is called
 * the page rings (once sound is allowed by a tap) and vibrates. Phones
 * suspend pages whose screen is locked, so on coming back to view, and on
 * every reconnect, the ticket is fetched afresh.
 */
(function () {
  "use strict";

  const C = window.LuotCitizen;
  const data = Luot.readData("ticket-data");
  const texts = data.texts;
  const STATES = ["waiting", "called", "serving", "parked", "done", "no_show", "cancelled", "transferred"];
  // Ringing and vibrating make sense only while a call may still come.
  const MAY_BE_CALLED = ["waiting", "called", "parked"];
  // Time to read the note before following a transferred ticket to its new leg.
  const FOLLOW_TRANSFER_MS = 5000;
  const VIBRATION_PATTERN = [600, 250, 600, 250, 600];

  const baseTitle = document.title;
  let ticket = data.ticket;
  let isRated = data.is_rated;
  // Calls already signalled: a fresh page does not ring for an old call.
  let signalledCalls = ticket.state === "called" ? ticket.call_count : 0;
  const chime = new Audio(data.chime_url);
  chime.preload = "auto";

  function byId(id) {
    return document.getElementById(id);
  }

  // -- rendering -------------------------------------------------------------

  function render() {
    for (const state of STATES) {
      byId(`state-${state}`).hidden = state !== ticket.state;
    }
    document.body.className = `ticket-page state-${ticket.state}`;
    byId("ticket-code").textContent = ticket.code;
    byId("ticket-service").textContent = C.serviceName(ticket, data.lang);
    const priorityLine = C.priorityText(ticket.priority, texts);
    byId("ticket-priority").textContent = priorityLine;
    byId("ticket-priority").hidden = !priorityLine;

    renderWaiting();
    const counter = ticket.counter_number === null ? "" : String(ticket.counter_number);
    byId("called-counter").textContent = counter;
    byId("called-message").textContent = Luot.format(texts.called, { code: ticket.code, counter: counter });
    byId("serving-message").textContent = Luot.format(texts.serving, { counter: counter });
    document.title =
      ticket.state === "called" ? Luot.format(texts.called_title, { code: ticket.code, counter: counter }) : baseTitle;

    byId("rating-form").hidden = isRated;
    byId("rating-thanks").hidden = !isRated;
    byId("sound").hidden = !MAY_BE_CALLED.includes(ticket.state);
  }

  function renderWaiting() {
    if (ticket.state !== "waiting") return;
    byId("waiting-ahead").textContent = C.aheadText(ticket.position, texts);
    byId("waiting-estimate").textContent = C.waitText(ticket.estimated_wait_s, texts);
  }

  // -- the call --------------------------------------------------------------

  function signalCall() {
    chime.currentTime = 0;
    chime.play().catch(() => {
      // Not allowed before a tap on the page: the alert is still on screen.
    });
    if (typeof navigator.vibrate === "function") {
      try {
        navigator.vibrate(VIBRATION_PATTERN);
      } catch (error) {
        // Some browsers refuse without a prior tap; the alert is on screen.
      }
    }
    byId("state-called").scrollIntoView({ block: "center" });
  }

  function update(fresh) {
    if (!fresh || fresh.id !== ticket.id) return;
    const previousState = ticket.state;
    ticket = fresh;
    render();
    if (ticket.state === "called" && ticket.call_count > signalledCalls) {
      signalledCalls = ticket.call_count;
      signalCall();
    }
    if (ticket.state === "transferred" && previousState !== "transferred") {
      // The page of this leg leads to the new leg, where the wait goes on.
      setTimeout(() => window.location.reload(), FOLLOW_TRANSFER_MS);
    }
  }

  /**
   * line_changed: the places of the service's waiting tickets, as
   * [id, position, estimated_wait_s], from the same forecast as the API,
   * and when they were computed (generated_at).
   */
  function applyLine(line) {
    if (ticket.state !== "waiting" || line.service !== ticket.service) return;
    const own = line.tickets.find((row) => row[0] === ticket.id);
    // Not in the (possibly shortened) list: the ticket's own update follows.
    if (!own) return;
    ticket.position = own[1];
    ticket.estimated_wait_s = own[2];
    renderWaiting();
  }

  // Live updates received so far: a fetch answered before the latest live
  // update may be older than it, and must not undo it.
  let liveUpdates = 0;

  function liveUpdate(fresh) {
    liveUpdates += 1;
    update(fresh);
  }

  async function refetch() {
    const seenUpdates = liveUpdates;
    try {
      const response = await fetch(data.ticket_api_url, {
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const fresh = await response.json();
      if (liveUpdates === seenUpdates) update(fresh);
    } catch (error) {
      // Offline for now; the socket's reconnect fetches again.
    }
  }

  // -- sound -----------------------------------------------------------------

  byId("sound-on").addEventListener("click", () => {
    // Browsers play sound only after a tap on the page: this tap plays the
    // chime once, which also lets the citizen hear what to listen for.
    chime.currentTime = 0;
    chime
      .play()
      .then(() => {
        byId("sound-on").hidden = true;
        byId("sound-hint").hidden = true;
        byId("sound-ready").hidden = false;
      })
      .catch(() => {
        byId("sound-hint").textContent = texts.sound_failed;
      });
  });

  // -- rating ----------------------------------------------------------------

  const form = byId("rating-form");

  function chosenScore() {
    const checked = form.querySelector('input[name="score"]:checked');
    return checked ? Number(checked.value) : null;
  }

  form.addEventListener("change", () => {
    const score = chosenScore();
    byId("rating-reasons").hidden = score === null || score > data.low_score;
    byId("rating-error").hidden = true;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const score = chosenScore();
    const error = byId("rating-error");
    if (score === null) {
      error.textContent = texts.choose_score;
      error.hidden = false;
      return;
    }
    const reasons =
      score <= data.low_score
        ? Array.from(form.querySelectorAll('input[name="reasons"]:checked'), (box) => box.value)
        : [];
    const submit = byId("rating-submit");
    submit.disabled = true;
    try {
      const response = await fetch(data.rating_url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          score: score,
          reasons: reasons,
          comment: byId("rating-comment").value.trim(),
          token: data.token,
        }),
      });
      const payload = await response.json().catch(() => null);
      const code = payload && payload.error ? payload.error.code : "";
      if (response.ok || code === "already_rated") {
        isRated = true;
        render();
        byId("rating-thanks").focus();
        return;
      }
      error.textContent = texts.rating_failed;
      error.hidden = false;
    } catch (failure) {
      error.textContent = texts.rating_failed;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  // -- live ------------------------------------------------------------------

  render();

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refetch();
  });

  // The server sends the ticket on every connect; after a reconnect it is
  // fetched as well, in case the page missed changes while it was away.
  Luot.connect(
    "/ticket",
    { ticket: ticket.id, token: data.token },
    {
      events: { ticket_updated: liveUpdate, line_changed: Luot.latestOnly(applyLine) },
      offline: byId("connection-lost"),
      // A blip shorter than this is not worth a notice.
      noticeAfterMs: 3000,
      onResync: refetch,
    }
  );
})();

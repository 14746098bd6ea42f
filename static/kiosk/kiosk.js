/*
 * The ticket kiosk: choose a priority group (optional) and a service, get a
 * number printed and shown.
 *
 * One tap issues one ticket: the tap gets its own Idempotency-Key, reused
 * when the request is retried, and every service button is disabled until
 * the answer comes, so a double tap or a retry never issues two tickets.
 * Waiting counts and closed services follow the queue live over the public
 * /display namespace. After a minute without a touch the kiosk returns to
 * its home screen, in Vietnamese.
 *
 * Every service is on screen without scrolling: the tiles are packed
 * tighter until they fit, and when even the tightest packing cannot hold
 * them all, they are shown a page at a time with large page buttons.
 *
 * A citizen who booked ahead checks in instead: the booking code typed on
 * the screen's keys, or read by a scanner, which types like a keyboard and
 * ends with Enter; the ticket it gives is shown like any other.
 */
(function () {
  "use strict";

  const C = window.LuotCitizen;
  const data = Luot.readData("kiosk-data");
  const texts = data.texts;

  // Retries of one tap (same Idempotency-Key) after a network fault or a 5xx.
  const RETRY_DELAYS_MS = [1000, 2000, 4000];
  // Longer than the server's printer timeout (3 s) and its own work.
  const REQUEST_TIMEOUT_MS = 20000;
  // A kiosk runs for weeks: now and then, at an idle moment, it reloads to
  // pick up changed services, texts and scripts.
  const RELOAD_AFTER_MS = 4 * 3600 * 1000;
  // Closed reasons that last for the rest of the office's day.
  const USED_UP = ["daily_cap_reached", "numbers_exhausted"];

  const loadedAt = Date.now();
  let busy = false;
  let priority = "none";
  let confirmationTimer = null;
  let idleTimer = null;
  let lastTrigger = null;

  // Services whose numbers are used up for the day (the queue's live state
  // does not tell), and the office's day that holds for.
  const usedUp = new Map();
  let usedUpDay = data.service_day;

  const services = new Map();
  for (const status of document.querySelectorAll("[data-service-status]")) {
    const code = status.dataset.serviceStatus;
    const card = document.querySelector(`[data-service-card="${code}"]`);
    const reason = status.dataset.closedReason || null;
    if (USED_UP.includes(reason)) usedUp.set(code, reason);
    services.set(code, {
      code: code,
      name: card.querySelector(".service__name").textContent.trim(),
      waiting: Number(status.dataset.waiting),
      closedReason: reason,
    });
  }

  function byId(id) {
    return document.getElementById(id);
  }

  // -- every service on screen -------------------------------------------------

  const home = byId("screen-home");
  const servicesBox = byId("services");
  const pager = byId("service-pager");
  const tiles = [...servicesBox.querySelectorAll(".service")];
  const groups = [...servicesBox.querySelectorAll(".service-group")];
  /** Packings to try, loosest first (kiosk.css, [data-density]). */
  const DENSITIES = [null, "1", "2", "3"];
  let pages = [tiles];
  let pageIndex = 0;

  function fitsScreen() {
    return document.documentElement.scrollHeight <= window.innerHeight;
  }

  /** Each group as wide as the services it shows, up to the grid's columns. */
  function spanGroups() {
    const columns = Number(getComputedStyle(servicesBox).getPropertyValue("--columns")) || 1;
    for (const group of groups) {
      const shown = group.querySelectorAll(".service:not([hidden])").length;
      const span = Math.max(1, Math.min(shown, columns));
      group.style.gridColumn = "span " + span;
      group.style.setProperty("--group-columns", String(span));
    }
  }

  function showTiles(shown) {
    const wanted = new Set(shown);
    for (const tile of tiles) tile.hidden = !wanted.has(tile);
    for (const group of groups) group.hidden = !group.querySelector(".service:not([hidden])");
    spanGroups();
  }

  function showPage(index) {
    pageIndex = Math.max(0, Math.min(index, pages.length - 1));
    showTiles(pages[pageIndex]);
    byId("service-page").textContent = Luot.format(texts.page, {
      page: pageIndex + 1,
      pages: pages.length,
    });
    pager.querySelector('[data-action="page-previous"]').disabled = pageIndex === 0;
    pager.querySelector('[data-action="page-next"]').disabled = pageIndex === pages.length - 1;
  }

  /** Pages of the services that each fit the screen with the pager under them. */
  function cutPages() {
    const cut = [];
    let start = 0;
    while (start < tiles.length) {
      showTiles(tiles.slice(start));
      // What stands below the tiles (the pager, margins) stays below them.
      const below =
        document.documentElement.scrollHeight -
        window.scrollY -
        servicesBox.getBoundingClientRect().bottom;
      const limit = window.innerHeight - below;
      let count = 0;
      while (
        start + count < tiles.length &&
        tiles[start + count].getBoundingClientRect().bottom <= limit
      ) {
        count += 1;
      }
      count = Math.max(1, count);
      cut.push(tiles.slice(start, start + count));
      start += count;
    }
    return cut;
  }

  function layOutServices() {
    if (home.hidden) return;
    const firstShown = pages[pageIndex] ? pages[pageIndex][0] : tiles[0];
    pager.hidden = true;
    for (const density of DENSITIES) {
      if (density === null) delete home.dataset.density;
      else home.dataset.density = density;
      showTiles(tiles);
      if (fitsScreen()) {
        pages = [tiles];
        pageIndex = 0;
        return;
      }
    }
    pager.hidden = false;
    pages = cutPages();
    // The page that holds what the citizen was looking at.
    showPage(Math.max(0, pages.findIndex((page) => page.includes(firstShown))));
  }

  // -- services --------------------------------------------------------------

  function renderService(service) {
    const closed = service.closedReason !== null;
    const reasonText = closed ? texts.closed[service.closedReason] || texts.closed.service_inactive : "";
    const status = document.querySelector(`[data-service-status="${service.code}"]`);
    status.textContent = closed ? reasonText : C.aheadText(service.waiting, texts);
    document.querySelector(`[data-service-card="${service.code}"]`).classList.toggle("is-closed", closed);
    for (const button of document.querySelectorAll(`[data-service="${service.code}"]`)) {
      button.disabled = closed || busy;
    }
    const note = document.querySelector(`[data-closed-note="${service.code}"]`);
    note.textContent = reasonText;
    note.hidden = !closed;
  }

  function renderServices() {
    for (const service of services.values()) renderService(service);
    // A longer status (a closed reason) may have made a tile taller.
    if (!home.hidden && !fitsScreen()) layOutServices();
  }

  /** queue_state / queue_changed from /display: the body of GET /api/v1/queue. */
  function applyQueue(state) {
    // generated_at carries the office's offset: its date is the office's day.
    const day = typeof state.generated_at === "string" ? state.generated_at.slice(0, 10) : usedUpDay;
    if (day !== usedUpDay) {
      usedUp.clear();
      usedUpDay = day;
    }
    for (const payload of state.services || []) {
      const service = services.get(payload.code);
      if (!service) continue;
      // People who would be called before a ticket taken now, at the
      // counters shared with other services: what the ticket will say.
      service.waiting = payload.people_ahead;
      service.closedReason = payload.is_issuing
        ? usedUp.get(payload.code) || null
        : payload.closed_reason || "service_inactive";
    }
    renderServices();
  }

  function markClosed(service, reason) {
    if (USED_UP.includes(reason)) usedUp.set(service.code, reason);
    service.closedReason = reason;
    renderService(service);
  }

  // -- screens ---------------------------------------------------------------

  function showScreen(name) {
    for (const screen of document.querySelectorAll("[data-screen]")) {
      screen.hidden = screen.dataset.screen !== name;
    }
    window.scrollTo(0, 0);
    if (name === "home") layOutServices();
    const heading = document.querySelector(`[data-screen="${name}"] h2[tabindex="-1"]`);
    if (heading) heading.focus();
  }

  function goHome() {
    resetCheckIn();
    clearTimeout(confirmationTimer);
    confirmationTimer = null;
    const trigger = lastTrigger;
    lastTrigger = null;
    showScreen("home");
    if (trigger && document.body.contains(trigger)) trigger.focus();
  }

  function setPriority(code) {
    priority = code;
    for (const button of document.querySelectorAll("[data-priority]")) {
      button.setAttribute("aria-pressed", String(button.dataset.priority === code));
    }
  }

  function showMessage(text) {
    const message = byId("home-message");
    message.textContent = text;
    message.hidden = false;
    layOutServices();
  }

  function clearMessage() {
    const message = byId("home-message");
    if (message.hidden) return;
    message.hidden = true;
    message.textContent = "";
    layOutServices();
  }

  function showConfirmation(ticket) {
    byId("confirmation-code").textContent = ticket.code;
    byId("confirmation-service").textContent = C.serviceName(ticket, data.lang);
    const priorityLine = C.priorityText(ticket.priority, texts);
    byId("confirmation-priority").textContent = priorityLine;
    byId("confirmation-priority").hidden = !priorityLine;
    byId("confirmation-booking").hidden = ticket.channel !== "booking";
    byId("confirmation-ahead").textContent = C.aheadText(ticket.position, texts);
    byId("confirmation-wait").textContent = C.waitText(ticket.estimated_wait_s, texts);
    const isPrinted = ticket.printed === true;
    // A kiosk without a printer is no fault: it says to keep the number.
    const hasPrinter = ticket.has_printer !== false;
    byId("printer-fault").hidden = isPrinted || !hasPrinter;
    byId("printer-none").hidden = hasPrinter;
    byId("printer-ok").hidden = !isPrinted;
    byId("confirmation-qr").src = `${data.ticket_url}${ticket.access_token}/qr.png`;
    lastTrigger = null;
    setPriority("none");
    showScreen("confirmation");
    const seconds = isPrinted ? data.confirmation_seconds : data.confirmation_seconds_without_paper;
    confirmationTimer = setTimeout(goHome, seconds * 1000);
  }

  // -- issuing ---------------------------------------------------------------

  function setBusy(isBusy) {
    busy = isBusy;
    byId("issuing").hidden = !isBusy;
    document.body.setAttribute("aria-busy", String(isBusy));
    renderServices();
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function postOnce(body, key, url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    return fetch(url || data.issue_url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Idempotency-Key": key,
        "X-CSRFToken": data.csrf_token,
      },
      body: JSON.stringify(body),
      signal: controller.signal,
    }).finally(() => clearTimeout(timer));
  }

  /** The same request, with the same key, until an answer that is not a server fault. */
  async function postWithRetries(body, key, url) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await postOnce(body, key, url);
        if (response.status < 500 || attempt >= RETRY_DELAYS_MS.length) return response;
      } catch (error) {
        if (attempt >= RETRY_DELAYS_MS.length) throw error;
      }
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }

  async function issue(code) {
    const service = services.get(code);
    if (busy || !service || service.closedReason !== null) return;
    setBusy(true);
    clearMessage();
    const body = {
      service: code,
      priority: priority,
      channel: "kiosk",
      print: true,
      language: data.lang,
      office: data.office,
    };
    if (data.kiosk !== null) body.kiosk = data.kiosk;
    let response;
    try {
      response = await postWithRetries(body, C.newIdempotencyKey());
    } catch (error) {
      setBusy(false);
      showScreen("home");
      showMessage(texts.network_error);
      return;
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    setBusy(false);
    if (response.ok && payload) {
      showConfirmation(payload);
      return;
    }
    showScreen("home");
    const errorCode = payload && payload.error ? payload.error.code : "";
    if (response.status === 409 && texts.closed[errorCode]) {
      markClosed(service, errorCode);
      showMessage(Luot.format(texts.closed_service, { service: service.name, reason: texts.closed[errorCode] }));
    } else if (response.status === 429) {
      showMessage(texts.busy);
    } else {
      showMessage(texts.failed);
    }
  }

  // -- checking in a booking -------------------------------------------------

  const checkInTexts = texts.check_in;
  const codeAlphabet = new Set(data.code_alphabet);
  let typedCode = "";
  // After a refusal the code stays on screen to be read, but the next key
  // starts a new one: a second scan must not add to the first.
  let isCodeSettled = false;

  function isCheckInOpen() {
    return !byId("screen-check-in").hidden;
  }

  function renderCode() {
    byId("check-in-code").textContent = typedCode;
  }

  function showCheckInMessage(text, offersTicket) {
    const message = byId("check-in-message");
    message.textContent = text;
    message.hidden = !text;
    byId("check-in-walk-in").hidden = !offersTicket;
  }

  function resetCheckIn() {
    typedCode = "";
    isCodeSettled = false;
    renderCode();
    showCheckInMessage("", false);
  }

  function openCheckIn() {
    resetCheckIn();
    clearMessage();
    showScreen("check-in");
  }

  function typeCharacter(character) {
    if (busy || !codeAlphabet.has(character)) return;
    if (isCodeSettled) {
      typedCode = "";
      isCodeSettled = false;
      showCheckInMessage("", false);
    }
    if (typedCode.length >= data.code_max_length) return;
    typedCode += character;
    renderCode();
  }

  function eraseCharacter() {
    if (busy) return;
    isCodeSettled = false;
    typedCode = typedCode.slice(0, -1);
    renderCode();
    showCheckInMessage("", false);
  }

  /** "too early: check in from 08:45": the time to come back, from the API's message. */
  function tooEarlyText(error) {
    const found = /(\d{1,2}:\d{2})/.exec((error && error.message) || "");
    return found ? Luot.format(checkInTexts.too_early, { time: found[1] }) : checkInTexts.too_early_no_time;
  }

  function refusalText(status, error) {
    const code = error ? error.code : "";
    if (code === "too_early") return tooEarlyText(error);
    if (checkInTexts[code] && code !== "failed" && code !== "empty") return checkInTexts[code];
    // A code the API cannot even read as one (422) is as unknown as a missing one.
    if (status === 404 || status === 422 || status === 400) return checkInTexts.appointment_not_found;
    return checkInTexts.failed;
  }

  async function checkIn() {
    if (busy) return;
    const code = typedCode;
    if (!code) {
      showCheckInMessage(checkInTexts.empty, false);
      return;
    }
    setBusy(true);
    showCheckInMessage("", false);
    const body = { print: true, language: data.lang };
    if (data.kiosk !== null) body.kiosk = data.kiosk;
    const url = data.check_in_url[0] + "/" + encodeURIComponent(code) + "/" + data.check_in_url[1];
    let response;
    try {
      response = await postWithRetries(body, C.newIdempotencyKey(), url);
    } catch (error) {
      setBusy(false);
      isCodeSettled = true;
      showCheckInMessage(checkInTexts.failed, false);
      return;
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    setBusy(false);
    if (!isCheckInOpen()) return;
    if (response.ok && payload && payload.ticket) {
      showConfirmation(payload.ticket);
      return;
    }
    const error = payload && payload.error ? payload.error : null;
    isCodeSettled = true;
    const offersTicket = error !== null && ["too_late", "appointment_cancelled"].includes(error.code);
    showCheckInMessage(refusalText(response.status, error), offersTicket);
  }

  /**
   * Keys typed while the check-in screen is open: a person at a keyboard,
   * or a scanner sending the code's characters and Enter within
   * milliseconds. Lower case, spaces and dashes are read as the API reads
   * them (queueing.booking.normal_code).
   */
  document.addEventListener("keydown", (event) => {
    if (!isCheckInOpen() || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.key === "Enter") {
      // Not also a press of the focused key button.
      event.preventDefault();
      checkIn();
    } else if (event.key === "Backspace") {
      event.preventDefault();
      eraseCharacter();
    } else if (event.key.length === 1 && codeAlphabet.has(event.key.toUpperCase())) {
      event.preventDefault();
      typeCharacter(event.key.toUpperCase());
    }
  });

  // -- touches ---------------------------------------------------------------

  document.addEventListener("click", (event) => {
    const target = event.target.closest(
      "[data-service], [data-documents], [data-priority], [data-action], [data-code-key]"
    );
    if (!target || target.disabled) return;
    if (target.dataset.codeKey) {
      typeCharacter(target.dataset.codeKey);
    } else if (target.dataset.service) {
      issue(target.dataset.service);
    } else if (target.dataset.documents) {
      lastTrigger = target;
      clearMessage();
      showScreen(`documents-${target.dataset.documents}`);
    } else if (target.dataset.priority) {
      setPriority(priority === target.dataset.priority ? "none" : target.dataset.priority);
    } else if (target.dataset.action === "home") {
      goHome();
    } else if (target.dataset.action === "check-in") {
      lastTrigger = target;
      openCheckIn();
    } else if (target.dataset.action === "page-next") {
      showPage(pageIndex + 1);
    } else if (target.dataset.action === "page-previous") {
      showPage(pageIndex - 1);
    } else if (target.dataset.action === "code-erase") {
      eraseCharacter();
    } else if (target.dataset.action === "check-in-submit") {
      checkIn();
    }
  });

  /** Back to the start for the next citizen, in Vietnamese. */
  async function resetWhenIdle() {
    if (busy) {
      noteTouch();
      return;
    }
    clearMessage();
    setPriority("none");
    lastTrigger = null;
    goHome();
    if (pages.length > 1) showPage(0);
    if (data.lang !== "vi" || Date.now() - loadedAt > RELOAD_AFTER_MS) {
      // Only leave this page for one the server is there to give: a kiosk
      // must never be left on a browser error page.
      try {
        const response = await fetch(data.home_url, { method: "HEAD", cache: "no-store" });
        if (response.ok) {
          window.location.replace(data.home_url);
          return;
        }
      } catch (error) {
        // The server is away; this page keeps working and tries again later.
      }
      noteTouch();
    }
  }

  function noteTouch() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(resetWhenIdle, data.idle_seconds * 1000);
  }

  for (const type of ["pointerdown", "keydown", "touchstart"]) {
    document.addEventListener(type, noteTouch, { capture: true, passive: true });
  }
  noteTouch();

  // -- live queue ------------------------------------------------------------

  layOutServices();
  // The page's own font may arrive after the first layout; a kiosk may turn.
  document.fonts.ready.then(layOutServices);
  let resizeFrame = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(layOutServices);
  });

  const applyLatestQueue = Luot.latestOnly(applyQueue);
  Luot.connect(
    "/display",
    { office: data.office },
    {
      events: { queue_state: applyLatestQueue, queue_changed: applyLatestQueue },
      offline: byId("connection-lost"),
      // A blip shorter than this is not worth a notice.
      noticeAfterMs: 3000,
    }
  );
})();

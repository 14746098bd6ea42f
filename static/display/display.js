/*
 * The waiting-room display: draws the queue state it is sent, flashes and
 * announces each call.
 *
 * Configuration comes from the page's #display-config block (counters it is
 * limited to, voice, language, number reading, and every word it shows, in
 * the page's language). A display configured in the admin screens also
 * reports its loudspeaker (playing, blocked by the browser, or off) and the
 * speech voices it has, over the same socket. Text from the server is always set as text, never
 * as HTML.
 */
(function () {
  "use strict";

  const config = Luot.readData("display-config");
  const texts = config.texts;
  const clock = new OfficeClock(config.serverNow);
  const shownCounters = new Set(config.counters);
  const announcer = new LuotAnnouncer();
  const byId = (id) => document.getElementById(id);
  /** How many calls "Vừa gọi" lists. */
  const RECENT_CALLS = 6;
  let flashTimer = null;

  const isShown = (counterId) => shownCounters.size === 0 || shownCounters.has(counterId);
  const element = Luot.element;

  function counterLabel(number) {
    return texts.counter + " " + number;
  }

  // -- clock -------------------------------------------------------------------

  function showTime() {
    byId("clock").textContent = clock.time();
    byId("date").textContent = clock.date(texts.weekdays);
  }

  // -- the newest call -----------------------------------------------------------

  function restartFlash(node) {
    node.classList.remove("is-flashing");
    // Reading a layout property restarts the CSS animation of a repeated call.
    void node.offsetWidth;
    node.classList.add("is-flashing");
  }

  function showNewest(code, counterNumber, isFresh) {
    const panel = byId("newest");
    byId("newest-code").textContent = code;
    byId("newest-counter").textContent = counterNumber;
    panel.dataset.code = code;
    panel.dataset.counter = String(counterNumber);
    if (!isFresh) return;
    restartFlash(panel);
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      panel.classList.remove("is-flashing");
      for (const card of document.querySelectorAll(".counter-card.is-flashing")) {
        card.classList.remove("is-flashing");
      }
    }, config.flashSeconds * 1000);
  }

  function fitNames() {
    LuotFitText.fit(document.querySelectorAll(".waiting-name"));
  }

  function clearNewest() {
    const panel = byId("newest");
    if (panel.dataset.code === undefined && !panel.classList.contains("is-flashing")) return;
    clearTimeout(flashTimer);
    panel.classList.remove("is-flashing");
    byId("newest-code").textContent = texts.nobody;
    byId("newest-counter").textContent = texts.nobody;
    delete panel.dataset.code;
    delete panel.dataset.counter;
  }

  // -- lists -----------------------------------------------------------------------

  function ticketAtCounter(counter) {
    const ticket = counter.current_ticket;
    return ticket && (ticket.state === "called" || ticket.state === "serving") ? ticket : null;
  }

  function counterCard(counter) {
    const card = element("li", "counter-card is-" + counter.state);
    card.dataset.counter = String(counter.id);
    card.append(element("span", "counter-card-label", counterLabel(counter.number)));
    // A paused or closed counter serves nobody the room should look for,
    // even while it still holds the ticket it called last.
    if (counter.state !== "open") {
      const word = counter.state === "paused" ? texts.paused : texts.closed;
      card.append(element("span", "counter-card-state", word));
    } else {
      const ticket = ticketAtCounter(counter);
      card.append(element("span", "counter-card-code", ticket ? ticket.code : texts.nobody));
    }
    return card;
  }

  function renderCounters(counters) {
    const grid = byId("counters");
    const flashing = new Set(
      [...grid.querySelectorAll(".counter-card.is-flashing")].map((card) => card.dataset.counter)
    );
    const cards = counters.map(counterCard);
    for (const card of cards) {
      // A counter that paused meanwhile stops flashing.
      if (flashing.has(card.dataset.counter) && card.classList.contains("is-open")) {
        card.classList.add("is-flashing");
      }
    }
    grid.replaceChildren(...cards);
    // Few counters get one wide column; many share the height in more columns.
    const columns = counters.length <= 4 ? 1 : counters.length <= 10 ? 2 : 3;
    const rows = Math.max(1, Math.ceil(counters.length / columns));
    grid.style.setProperty("--columns", String(columns));
    grid.style.setProperty("--rows", String(rows));
    return rows;
  }

  function recentItem(code, counterNumber) {
    const item = element("li", "recent-item");
    item.dataset.call = code + "@" + counterNumber;
    item.append(element("span", "recent-code", code));
    item.append(element("span", "recent-counter", counterLabel(counterNumber)));
    return item;
  }

  function renderRecent(calls) {
    const list = byId("recent");
    if (calls.length === 0) {
      list.replaceChildren(element("li", "recent-empty", texts.no_calls));
      return;
    }
    // A recall is a call again, not another person: each number once, newest first.
    const seen = new Set();
    const distinct = calls.filter((call) => {
      const key = call.code + "@" + call.counter_number;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    list.replaceChildren(
      ...distinct.slice(0, RECENT_CALLS).map((call) => recentItem(call.code, call.counter_number))
    );
  }

  function serviceName(service) {
    return document.documentElement.lang === "en" && service.name_en
      ? service.name_en
      : service.name;
  }

  function renderWaiting(services, counters) {
    let shown = services;
    if (shownCounters.size > 0) {
      const served = new Set(counters.flatMap((counter) => counter.services));
      shown = services.filter((service) => served.has(service.code));
    }
    const list = byId("waiting");
    list.replaceChildren(
      ...shown.map((service) => {
        const item = element("li", "waiting-item");
        item.dataset.service = service.code;
        item.append(element("span", "waiting-name", serviceName(service)));
        item.append(element("span", "waiting-count", String(service.waiting)));
        return item;
      })
    );
    return Math.max(1, Math.ceil(shown.length / 2));
  }

  /** The right side's twelve rows, shared by the counters and the waiting
   * lines by how many rows of tiles each has (a title's worth more each). */
  function shareBoard(counterRows, waitingRows) {
    const share = Math.round((12 * (counterRows + 1)) / (counterRows + waitingRows + 2));
    byId("counters").closest(".board").style.setProperty(
      "--counters-span",
      String(Math.min(8, Math.max(4, share)))
    );
  }

  function renderTicker(message) {
    const box = byId("ticker-box");
    const text = byId("ticker");
    box.hidden = !message;
    // Setting the same text again would restart the scrolling from the start.
    if (text.textContent !== message) {
      text.textContent = message || "";
      const seconds = Math.max(20, Math.round((message || "").length / 6));
      text.style.setProperty("--ticker-seconds", seconds + "s");
    }
  }

  function render(state) {
    clock.sync(state.generated_at);
    showTime();
    const counters = state.counters.filter((counter) => isShown(counter.id));
    const calls = state.recent_calls.filter((call) => isShown(call.counter));
    const counterRows = renderCounters(counters);
    renderRecent(calls);
    shareBoard(counterRows, renderWaiting(state.services, counters));
    renderTicker(state.ticker);
    // Last: the ticker showing or not changes the tiles' height.
    fitNames();
    const newest = byId("newest");
    const latestCounter = calls.length > 0 && counters.find((each) => each.id === calls[0].counter);
    if (latestCounter && latestCounter.state !== "open") {
      // Its counter has paused or closed since: nobody is called there now.
      clearNewest();
    } else if (calls.length > 0) {
      const latest = calls[0];
      const isSame =
        newest.dataset.code === latest.code &&
        newest.dataset.counter === String(latest.counter_number);
      if (!isSame) showNewest(latest.code, latest.counter_number, false);
    }
  }

  // -- a call ----------------------------------------------------------------------

  /**
   * What the announcer plays for a call: the bundled clips, or, when the
   * admin chose a voice of this device and the device has it, the chime
   * and each sentence in that voice's language spoken, with its clips to
   * fall back on.
   */
  function callFor(code, counterNumber) {
    const query = new URLSearchParams({
      code: code,
      counter: String(counterNumber),
      language: config.language,
      reading: config.numberReading,
    });
    return fetch(config.announcementUrl + "?" + query).then((response) => {
      if (!response.ok) throw new Error("announcement " + response.status);
      return response.json().then((body) => {
        const voice = chosenVoice();
        if (!voice) return body.clips;
        const parts = [{ clips: [body.chime] }];
        for (const sentence of body.sentences) {
          parts.push(
            speaksLanguage(voice, sentence.language)
              ? { speak: { text: sentence.text, voice: voice.name }, clips: sentence.clips }
              : { clips: sentence.clips }
          );
        }
        return { parts: parts };
      });
    });
  }

  // -- the loudspeaker and the voice ----------------------------------------------------

  const announcedLanguages = config.language === "vi_en" ? ["vi", "en"] : [config.language];
  const speech = window.speechSynthesis || null;
  const overlay = byId("sound-overlay");
  /** "ok", "blocked", "off", or null until the start-up chime has told. */
  let soundState = config.isVoiceEnabled ? null : "off";
  let lastReport = "";

  function speaksLanguage(voice, language) {
    return (voice.lang || "").toLowerCase().replace("_", "-").split("-")[0] === language;
  }

  /** The device's voices in the display's announcement language(s). */
  function usableVoices() {
    if (!speech) return [];
    const voices = speech.getVoices() || [];
    return voices.filter((voice) => announcedLanguages.some((lang) => speaksLanguage(voice, lang)));
  }

  /** The voice the admin chose, if this device has it; else null (the clips). */
  function chosenVoice() {
    if (!config.speechVoice) return null;
    return usableVoices().find((voice) => voice.name === config.speechVoice) || null;
  }

  /** Tells the server how the loudspeaker is, now and then; only configured displays do. */
  function reportSound(isBeat) {
    if (config.displayId === null || soundState === null || !socket.connected) return;
    const voice = config.isVoiceEnabled ? chosenVoice() : null;
    const report = {
      display: config.displayId,
      state: soundState,
      voice: voice ? voice.name : "",
      voices: [...new Set(usableVoices().map((candidate) => candidate.name))],
    };
    const text = JSON.stringify(report);
    if (!isBeat && text === lastReport) return;
    lastReport = text;
    socket.emit("report_sound", report);
  }

  function setSound(state) {
    if (soundState === state) return;
    soundState = state;
    document.documentElement.dataset.sound = state;
    reportSound(false);
  }

  function showOverlay(isShown) {
    overlay.hidden = !isShown;
    if (isShown) overlay.focus();
  }

  function unlockSound(event) {
    if (!announcer.isBlocked) return;
    event.preventDefault();
    announcer.unlock(config.chime);
  }

  announcer.onblocked = () => {
    showOverlay(true);
    setSound("blocked");
  };
  announcer.onunlocked = () => {
    showOverlay(false);
    setSound("ok");
  };
  announcer.onclipend = (url, outcome) => {
    if (outcome === "ended") setSound("ok");
  };
  announcer.onspeechend = (text, outcome) => {
    if (outcome === "ended") setSound("ok");
  };
  overlay.addEventListener("click", unlockSound);
  document.addEventListener("keydown", unlockSound);

  function onCall(call) {
    const counter = call.counter;
    if (!isShown(counter.id)) return;
    const code = call.ticket.code;
    showNewest(code, counter.number, true);
    // The full state follows in a moment; the card and the list change now.
    const card = document.querySelector('.counter-card[data-counter="' + counter.id + '"]');
    if (card) {
      card.replaceWith(counterCard(counter));
      restartFlash(document.querySelector('.counter-card[data-counter="' + counter.id + '"]'));
    }
    const list = byId("recent");
    list.querySelector(".recent-empty")?.remove();
    const item = recentItem(code, counter.number);
    for (const same of list.querySelectorAll(".recent-item")) {
      if (same.dataset.call === item.dataset.call) same.remove();
    }
    list.prepend(item);
    while (list.children.length > RECENT_CALLS) list.lastElementChild.remove();
    window.dispatchEvent(
      new CustomEvent("luot-display:call", {
        detail: { code: code, counter: counter.number, callCount: call.call_count },
      })
    );
    if (config.isVoiceEnabled) announcer.announce(callFor(code, counter.number));
  }

  // -- start -----------------------------------------------------------------------

  showTime();
  setInterval(showTime, 1000);
  window.addEventListener("resize", fitNames);
  document.fonts.ready.then(fitNames);
  const auth = { office: config.office };
  if (shownCounters.size > 0) auth.counters = config.counters;
  const socket = Luot.connect("/display", auth, { offline: byId("offline") });
  const renderLatest = Luot.latestOnly(render);
  socket.on("queue_state", renderLatest);
  socket.on("queue_changed", renderLatest);
  socket.on("ticket_called", onCall);
  socket.on("connect", () => reportSound(true));
  setInterval(() => reportSound(true), config.beatSeconds * 1000);
  // Voices load after the page; the list the admin picks from follows them.
  if (speech && typeof speech.addEventListener === "function") {
    speech.addEventListener("voiceschanged", () => reportSound(false));
  }
  if (config.isVoiceEnabled) {
    announcer.preload(config.preload);
    // The loudspeaker test: a chime as the display starts. Refused, it
    // shows the overlay; played, the sound state is "ok".
    announcer.announce([config.chime], { isTest: true });
  } else {
    document.documentElement.dataset.sound = "off";
  }
  // For a person (or a test) looking into a running display.
  window.luotDisplay = { announcer: announcer, socket: socket };
})();

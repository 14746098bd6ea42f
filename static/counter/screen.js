/*
 * The counter screen: the number served at one counter, live from the
 * /display namespace limited to that counter; it flashes on each call.
 */
(function () {
  "use strict";

  const config = Luot.readData("screen-config");
  const texts = config.texts;
  const byId = (id) => document.getElementById(id);
  const ACTIVE_STATES = new Set(["called", "serving"]);
  let flashTimer = null;

  function show(counter) {
    const ticket = counter.current_ticket;
    const isActive = Boolean(ticket) && ACTIVE_STATES.has(ticket.state);
    byId("screen-code").textContent = isActive ? ticket.code : texts.nobody;
    // A paused or closed counter says so in large words, and nothing else:
    // not "serving —", and not the number it may still hold.
    const word = { paused: texts.paused, closed: texts.closed }[counter.state];
    const reason = counter.state === "paused" ? counter.pause_reason || "" : "";
    byId("serving-title").hidden = Boolean(word);
    byId("screen-code").hidden = Boolean(word);
    byId("screen-state").hidden = !word;
    byId("screen-state").textContent = word || "";
    byId("screen-reason").hidden = !reason;
    byId("screen-reason").textContent = reason;
    const screen = byId("screen");
    screen.dataset.state = counter.state;
    if (word) {
      clearTimeout(flashTimer);
      screen.classList.remove("is-flashing");
    }
  }

  function onState(state) {
    const counter = state.counters.find((each) => each.id === config.counter);
    if (counter) show(counter);
  }

  function onCall(call) {
    if (call.counter.id !== config.counter) return;
    show(call.counter);
    const screen = byId("screen");
    screen.classList.remove("is-flashing");
    // Reading a layout property restarts the animation of a repeated call.
    void screen.offsetWidth;
    screen.classList.add("is-flashing");
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => screen.classList.remove("is-flashing"), config.flashSeconds * 1000);
  }

  const socket = Luot.connect(
    "/display",
    { office: config.office, counters: [config.counter] },
    { offline: byId("offline") }
  );
  const onLatestState = Luot.latestOnly(onState);
  socket.on("queue_state", onLatestState);
  socket.on("queue_changed", onLatestState);
  socket.on("ticket_called", onCall);
})();

/*
 * The counter screen: the number served at one counter, live from the
 * /display namespace limited to that counter; it flashes on each call.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("screen-config").textContent);
  const texts = config.texts;
  const byId = (id) => document.getElementById(id);
  const ACTIVE_STATES = new Set(["called", "serving"]);
  let flashTimer = null;

  function show(counter) {
    const ticket = counter.current_ticket;
    const isActive = Boolean(ticket) && ACTIVE_STATES.has(ticket.state);
    byId("screen-code").textContent = isActive ? ticket.code : texts.nobody;
    const state = byId("screen-state");
    const word = { paused: texts.paused, closed: texts.closed }[counter.state];
    state.hidden = isActive || !word;
    state.textContent = word
      ? word + (counter.state === "paused" && counter.pause_reason ? ": " + counter.pause_reason : "")
      : "";
    byId("screen").dataset.state = counter.state;
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

  const socket = LuotLive.connect(
    "/display",
    { office: config.office, counters: [config.counter] },
    byId("offline")
  );
  socket.on("queue_state", onState);
  socket.on("queue_changed", onState);
  socket.on("ticket_called", onCall);
})();

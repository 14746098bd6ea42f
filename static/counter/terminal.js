/*
 * The clerk's counter terminal.
 *
 * Actions go over the /counter Socket.IO namespace with acks (the same use
 * cases as the REST API); the server answers each with the ticket and the
 * counter, or an error whose code is turned into a sentence for the clerk.
 * The counter's own state comes with every queue state; the line, the
 * tickets set aside and the clerk's figures are fetched again whenever the
 * queue changes. Every word shown comes from the page's #terminal-config
 * block, in the page's language.
 */
(function () {
  "use strict";

  const config = Luot.readData("terminal-config");
  const texts = config.texts;
  const counterId = config.counter.id;
  const clock = new OfficeClock(config.serverNow);
  const byId = (id) => document.getElementById(id);
  /** Longest wait for an ack before the clerk is told the action may not have happened. */
  const ACK_TIMEOUT_MS = 10000;
  const ACTIVE_STATES = new Set(["called", "serving"]);
  const KEYS = {
    F1: "call_next",
    " ": "call_next",
    r: "recall",
    s: "start",
    f: "finish",
    n: "no_show",
    p: "park",
    t: "transfer",
    u: "return_last",
    o: "open",
    d: "pause",
    c: "close",
  };
  const OUTCOME_KEYS = { 1: "resolved", 2: "more_documents", 3: "referred" };

  /** The counter as the server last described it (API.md's counter object). */
  let counter = null;
  let services = [];
  let lists = { waiting: [], parked: [], no_shows: [] };
  /** True while an action waits for its ack: no second action meanwhile. */
  let isBusy = false;

  const element = Luot.element;

  function say(text, isError) {
    const message = byId("message");
    message.textContent = text;
    message.classList.toggle("is-error", Boolean(isError));
  }

  /** A name in the page's language: the English one where there is one. */
  function localName(vietnamese, english) {
    return document.documentElement.lang === "en" && english ? english : vietnamese;
  }

  function errorText(error) {
    return texts.errors[error.code] || Luot.format(texts.failed, { message: error.message });
  }

  function currentTicket() {
    const ticket = counter && counter.current_ticket;
    return ticket && ACTIVE_STATES.has(ticket.state) ? ticket : null;
  }

  function mayMarkNoShow(ticket) {
    return ticket.call_count - 1 >= config.recallLimit;
  }

  /** Whether an action makes sense now; the server decides in the end. */
  function isAllowed(action) {
    if (!counter || isBusy || !socket.connected) return false;
    const ticket = currentTicket();
    const isOpen = counter.state === "open";
    switch (action) {
      case "call_next":
      case "call":
        return isOpen && !ticket;
      case "recall":
      case "finish":
      case "park":
      case "transfer":
        return Boolean(ticket);
      case "start":
        return Boolean(ticket) && ticket.state === "called";
      case "no_show":
        return Boolean(ticket) && ticket.state === "called" && mayMarkNoShow(ticket);
      case "return_last":
        return lists.no_shows.length > 0;
      case "return":
        return true;
      case "open":
        return counter.state !== "open";
      case "pause":
        return counter.state === "open";
      case "close":
        return counter.state !== "closed" && !ticket;
      default:
        return false;
    }
  }

  function whyNot(action) {
    const ticket = currentTicket();
    if (!socket.connected) return texts.offline;
    if (action === "no_show" && ticket && ticket.state === "called") {
      return Luot.format(texts.no_show_needs_recall, { count: config.recallLimit });
    }
    if (action === "return_last") return texts.no_returnable;
    return texts.not_now;
  }

  function updateButtons() {
    for (const button of document.querySelectorAll("[data-action]")) {
      button.disabled = !isAllowed(button.dataset.action);
    }
    for (const button of document.querySelectorAll("[data-call]")) {
      button.disabled = !isAllowed("call");
    }
    for (const button of document.querySelectorAll("[data-return]")) {
      button.disabled = !isAllowed("return");
    }
  }

  // -- the counter and its current ticket -----------------------------------------

  function updateTimer() {
    const ticket = currentTicket();
    const timer = byId("current-timer");
    if (!ticket) {
      timer.textContent = "";
      return;
    }
    const since = ticket.state === "serving" && ticket.started_at ? ticket.started_at : ticket.called_at;
    timer.textContent = OfficeClock.duration(clock.secondsSince(since));
  }

  function renderCounter() {
    if (!counter) return;
    const state = byId("counter-state");
    state.dataset.state = counter.state;
    state.textContent =
      texts.counter_states[counter.state] +
      (counter.state === "paused" && counter.pause_reason ? ": " + counter.pause_reason : "");
    const ticket = currentTicket();
    const current = document.querySelector(".current");
    // With nobody at the desk, a paused or closed counter says so here too.
    const isResting = !ticket && counter.state !== "open";
    current.dataset.state = ticket ? ticket.state : isResting ? counter.state : "none";
    byId("current-code").textContent = ticket
      ? ticket.code
      : isResting
        ? texts.counter_states[counter.state]
        : "—";
    byId("current-service").textContent = ticket
      ? localName(ticket.service_name, ticket.service_name_en)
      : isResting
        ? counter.pause_reason || ""
        : texts.no_ticket;
    byId("current-state").textContent = ticket ? texts.ticket_states[ticket.state] : "";
    byId("current-booking").hidden = !(ticket && ticket.channel === "booking");
    byId("current-calls").textContent = ticket
      ? Luot.format(texts.call_count, { count: ticket.call_count }) +
        (ticket.priority !== "none" ? " · " + texts.priority : "")
      : "";
    updateTimer();
    updateButtons();
  }

  function renderServiceCounts() {
    const mine = new Set(counter ? counter.services : []);
    byId("service-counts").replaceChildren(
      ...services
        .filter((service) => mine.has(service.code))
        .map((service) => {
          const item = element("li", "service-count");
          const name = localName(service.name, service.name_en);
          item.append(element("span", "service-count-name", name));
          item.append(element("span", "service-count-value", String(service.waiting)));
          return item;
        })
    );
  }

  function onState(state) {
    clock.sync(state.generated_at);
    services = state.services;
    const mine = state.counters.find((each) => each.id === counterId);
    if (mine) counter = mine;
    renderCounter();
    renderServiceCounts();
    refreshLists();
  }

  // -- lists ------------------------------------------------------------------------

  /** A button of a listed ticket: "call" or "return"; its name says which ticket. */
  function ticketButton(kind, ticket) {
    const button = element("button", "button button-small", texts[kind]);
    button.type = "button";
    button.dataset[kind] = String(ticket.id);
    button.append(element("span", "visually-hidden", " " + ticket.code));
    return button;
  }

  function codeCell(ticket) {
    const cell = element("td", "line-code");
    cell.append(element("span", "", ticket.code));
    if (ticket.priority !== "none") cell.append(element("span", "badge", texts.priority));
    if (ticket.channel === "booking") cell.append(element("span", "badge badge-booking", texts.booking));
    if (ticket.is_reserved_here) cell.append(element("span", "badge", texts.transferred_here));
    return cell;
  }

  function renderLine(waiting) {
    byId("line-count").textContent = String(waiting.length);
    byId("line").replaceChildren(
      ...waiting.map((ticket) => {
        const row = element("tr");
        row.dataset.ticket = String(ticket.id);
        row.append(codeCell(ticket));
        row.append(element("td", "", localName(ticket.service_name, ticket.service_name_en)));
        const minutes = Math.floor(ticket.waited_s / 60);
        row.append(element("td", "line-wait", Luot.format(texts.minutes, { minutes: minutes })));
        const action = element("td", "line-action");
        action.append(ticketButton("call", ticket));
        row.append(action);
        return row;
      })
    );
  }

  function renderAside(id, tickets, withCall) {
    const list = byId(id);
    if (tickets.length === 0) {
      list.replaceChildren(element("li", "aside-empty", texts.empty));
      return;
    }
    list.replaceChildren(
      ...tickets.map((ticket) => {
        const item = element("li", "aside-item");
        item.dataset.ticket = String(ticket.id);
        item.append(element("span", "aside-code", ticket.code));
        item.append(
          element("span", "aside-service", localName(ticket.service_name, ticket.service_name_en))
        );
        if (withCall) item.append(ticketButton("call", ticket));
        item.append(ticketButton("return", ticket));
        return item;
      })
    );
  }

  function renderFigures(figures) {
    byId("figure-served").textContent = String(figures.served);
    byId("figure-no-shows").textContent = String(figures.no_shows);
    byId("figure-service").textContent =
      figures.mean_service_s === null ? "—" : OfficeClock.duration(figures.mean_service_s);
    byId("figure-wait").textContent =
      figures.mean_wait_s === null ? "—" : OfficeClock.duration(figures.mean_wait_s);
  }

  function fetchJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(
      (response) => {
        if (response.status === 401) window.location.assign(config.urls.login);
        if (!response.ok) throw new Error(url + " " + response.status);
        return response.json();
      }
    );
  }

  let isFetching = false;
  let isFetchDue = false;

  /** Fetch the lists and figures again; changes meanwhile fetch once more after. */
  function refreshLists() {
    if (isFetching) {
      isFetchDue = true;
      return;
    }
    isFetching = true;
    Promise.all([
      fetchJson(config.urls.waiting).then((body) => {
        lists = body;
        renderLine(body.waiting);
        renderAside("parked", body.parked, true);
        renderAside("no-shows", body.no_shows, false);
      }),
      fetchJson(config.urls.today).then(renderFigures),
    ])
      .catch((error) => console.error(error))
      .finally(() => {
        isFetching = false;
        updateButtons();
        if (isFetchDue) {
          isFetchDue = false;
          refreshLists();
        }
      });
  }

  // -- actions ------------------------------------------------------------------------

  const DONE_TEXTS = {
    recall: "recalled",
    start: "started",
    finish: "finished",
    no_show: "no_show",
    park: "parked",
    transfer: "transferred",
    call: "called",
    return: "returned",
  };

  function doneText(action, ack) {
    if (action === "open" || action === "pause" || action === "close") {
      return texts[{ open: "opened", pause: "paused", close: "closed" }[action]];
    }
    if (action === "call_next") {
      return ack.ticket ? Luot.format(texts.called, { code: ack.ticket.code }) : texts.nobody_waiting;
    }
    return Luot.format(texts[DONE_TEXTS[action]], { code: ack.ticket ? ack.ticket.code : "" });
  }

  function act(action, extra) {
    if (isBusy) return;
    if (!socket.connected) {
      say(texts.offline, true);
      return;
    }
    isBusy = true;
    updateButtons();
    const data = Object.assign({ counter: counterId }, extra || {});
    socket.timeout(ACK_TIMEOUT_MS).emit(action, data, (timeout, ack) => {
      isBusy = false;
      if (timeout) {
        say(texts.offline, true);
      } else if (!ack.ok) {
        say(errorText(ack.error), true);
      } else {
        if (ack.counter) counter = ack.counter;
        if (action === "finish") document.querySelector('input[name="outcome"][value="resolved"]').checked = true;
        renderCounter();
        say(doneText(action, ack), false);
        refreshLists();
      }
      updateButtons();
    });
  }

  function selectedOutcome() {
    return document.querySelector('input[name="outcome"]:checked').value;
  }

  function run(action) {
    switch (action) {
      case "finish":
        act("finish", { outcome: selectedOutcome() });
        break;
      case "transfer":
        byId("transfer-dialog").showModal();
        break;
      case "pause":
        byId("pause-dialog").showModal();
        byId("pause-reason").focus();
        break;
      case "return_last":
        act("return", { ticket: lists.no_shows[0].id });
        break;
      default:
        act(action);
    }
  }

  /** A shortcut presses its button, or says why it cannot be pressed now. */
  function trigger(action) {
    const button = document.querySelector('[data-action="' + action + '"]');
    if (button.disabled) {
      if (!isBusy) say(whyNot(action), true);
      return;
    }
    run(action);
  }

  for (const button of document.querySelectorAll("[data-action]")) {
    button.addEventListener("click", (event) => {
      // After a mouse click the focus leaves the button, so that Space and the
      // letter keys go to the shortcuts rather than pressing it again.
      if (event.detail > 0) button.blur();
      run(button.dataset.action);
    });
  }

  document.querySelector(".terminal-lists").addEventListener("click", (event) => {
    const call = event.target.closest("[data-call]");
    const back = event.target.closest("[data-return]");
    if (call && !call.disabled) act("call", { ticket: Number(call.dataset.call) });
    if (back && !back.disabled) act("return", { ticket: Number(back.dataset.return) });
  });

  // -- dialogs ------------------------------------------------------------------------

  const transferDialog = byId("transfer-dialog");
  for (const [select, target] of [
    ["transfer-service", "service"],
    ["transfer-counter", "counter"],
  ]) {
    byId(select).addEventListener("focus", () => {
      const radio = transferDialog.querySelector('input[name="target"][value="' + target + '"]');
      if (!radio.disabled) radio.checked = true;
    });
  }
  transferDialog.addEventListener("close", () => {
    if (transferDialog.returnValue !== "confirm") return;
    const target = transferDialog.querySelector('input[name="target"]:checked').value;
    if (target === "service") {
      act("transfer", { service: byId("transfer-service").value });
    } else {
      act("transfer", { target_counter: Number(byId("transfer-counter").value) });
    }
  });

  const pauseDialog = byId("pause-dialog");
  pauseDialog.addEventListener("close", () => {
    if (pauseDialog.returnValue !== "confirm") return;
    act("pause", { reason: byId("pause-reason").value.trim() });
    byId("pause-reason").value = "";
  });

  // -- keyboard -------------------------------------------------------------------------

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable || target.closest("textarea, select")) return true;
    const input = target.closest("input");
    return Boolean(input) && !["radio", "checkbox", "button", "submit"].includes(input.type);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
    if (document.querySelector("dialog[open]") || isTyping(event.target)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    // Space and Enter keep pressing a focused button or link for keyboard users.
    if (key === " " && event.target.closest && event.target.closest("button, a, input")) return;
    if (key in OUTCOME_KEYS) {
      event.preventDefault();
      document.querySelector('input[name="outcome"][value="' + OUTCOME_KEYS[key] + '"]').checked = true;
      return;
    }
    if (key === "l") {
      const first = document.querySelector("#line [data-call]");
      if (first) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    const action = KEYS[key];
    if (!action) return;
    // F1 would open the browser's help.
    event.preventDefault();
    trigger(action);
  });

  // -- who works the counter ------------------------------------------------------------

  /** Seconds the notice stays before the terminal goes back to the choice of counter. */
  const TAKEN_NOTICE_MS = 5000;
  let isLeaving = false;

  /** Another clerk took this counter: say so, then go back to the choice of counter. */
  function leaveTakenCounter() {
    if (isLeaving) return;
    isLeaving = true;
    say(texts.counter_taken, true);
    setTimeout(() => window.location.assign(config.urls.choose), TAKEN_NOTICE_MS);
  }

  /**
   * The terminal's beat: while it is heard from, the counter counts as
   * staffed; a silent terminal's counter is paused after the office's grace.
   */
  function keepCounter() {
    if (!socket.connected || isLeaving) return;
    socket.timeout(ACK_TIMEOUT_MS).emit("keep_counter", { counter: counterId }, (timeout, ack) => {
      if (!timeout && ack && !ack.ok && ack.error && ack.error.code === "counter_taken") leaveTakenCounter();
    });
  }

  // -- start ----------------------------------------------------------------------------

  const socket = Luot.connect("/counter", { office: config.office }, { offline: byId("offline") });
  socket.on("connect_error", (error) => {
    if (/unauthorized/.test(error.message)) window.location.assign(config.urls.login);
  });
  socket.on("connect", updateButtons);
  socket.on("disconnect", updateButtons);
  const onLatestState = Luot.latestOnly(onState);
  socket.on("queue_state", onLatestState);
  socket.on("queue_changed", onLatestState);
  socket.on("connect", keepCounter);
  socket.on("counter_taken", (taken) => {
    if (taken.counter === counterId && taken.clerk_id !== config.clerkId) leaveTakenCounter();
  });
  setInterval(keepCounter, config.beatSeconds * 1000);
  setInterval(updateTimer, 1000);
  updateButtons();
  window.luotTerminal = { socket: socket };
})();

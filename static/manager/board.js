/* The live board: re-reads board.json at every queue_changed and
   display_sound_changed of the /manager namespace, on every reconnect (it
   may have missed changes meanwhile) and every few seconds (so that waits
   grow), and sounds a chime when a new alert appears. Everything is written
   with textContent: names come from users. */
"use strict";
(() => {
  const config = Luot.readData("board-config");
  const texts = config.texts;
  const sound = document.getElementById("alert-sound");
  const soundToggle = document.getElementById("sound-toggle");
  const SOUND_KEY = "luot.board.sound";
  let soundOn = window.localStorage.getItem(SOUND_KEY) === "1";
  let knownAlerts = null;
  let pending = null;
  let inFlight = false;
  let again = false;

  const duration = (seconds) => {
    if (seconds === null || seconds === undefined) return "–";
    const whole = Math.round(seconds);
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const secs = whole % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return hours ? `${hours}:${pad(minutes)}:${pad(secs)}` : `${minutes}:${pad(secs)}`;
  };
  const decimal = (value, places) => {
    const text = value.toFixed(places);
    return config.language === "vi" ? text.replace(".", ",") : text;
  };
  const percent = (share) => (share === null || share === undefined ? "–" : `${decimal(share * 100, 1)} %`);
  const format = (value, kind) => {
    if (value === null || value === undefined) return "–";
    if (kind === "duration") return duration(value);
    if (kind === "percent") return percent(value);
    if (kind === "score") return decimal(value, 2);
    return String(value);
  };

  const cell = (row, text, className) => row.appendChild(Luot.element("td", className, text));

  const renderServices = (services) => {
    const body = document.querySelector("#board-services tbody");
    const rows = services.map((service) => {
      const tr = document.createElement("tr");
      tr.dataset.service = service.code;
      if (service.over_target > 0) tr.classList.add("over-target");
      const name = config.language === "en" && service.name_en ? service.name_en : service.name;
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = name;
      tr.appendChild(th);
      cell(tr, String(service.waiting), "num waiting");
      cell(tr, String(service.priority_waiting), "num");
      const longest = cell(tr, duration(service.longest_wait_s), "num longest");
      if (service.longest_code) longest.title = service.longest_code;
      // No estimate: no open counter serves the service.
      cell(tr, service.open_counters ? duration(service.estimated_wait_s) : texts.no_counter, "num estimate");
      // A target reads as minutes: "15:00" would look like a time of day.
      cell(tr, Luot.format(texts.minutes, { n: Math.round(service.target_wait_s / 60) }), "num");
      cell(tr, String(service.served_today), "num served");
      cell(tr, String(service.no_show_today), "num");
      cell(tr, duration(service.wait_mean_today_s), "num");
      cell(tr, percent(service.service_level_today), "num");
      return tr;
    });
    body.replaceChildren(...rows);
  };

  const renderCounters = (counters) => {
    const body = document.querySelector("#board-counters tbody");
    const rows = counters.map((counter) => {
      const tr = document.createElement("tr");
      tr.dataset.counter = String(counter.number);
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = counter.name || String(counter.number);
      tr.appendChild(th);
      const state = cell(tr, texts[counter.state] || counter.state, `state state-${counter.state}`);
      if (counter.state === "paused" && counter.pause_reason) state.textContent += ` (${counter.pause_reason})`;
      const who = cell(tr, counter.clerk || "–", `worked-by worked-by-${counter.worked_by || "none"}`);
      if (counter.worked_by === "keypad") who.textContent = counter.clerk ? `${counter.clerk} · ${texts.keypad}` : texts.keypad;
      if (counter.worked_by === "nobody") who.textContent += ` · ${texts.terminal_silent}`;
      const current = counter.ticket
        ? `${counter.ticket} · ${texts[counter.ticket_state] || counter.ticket_state}`
        : "–";
      const ticketCell = cell(tr, current, "ticket");
      if (counter.ticket && counter.ticket_channel === "booking") {
        const mark = document.createElement("span");
        mark.className = "mark-booking";
        mark.textContent = texts.booking;
        ticketCell.append(" ", mark);
      }
      cell(tr, counter.ticket ? duration(counter.ticket_for_s) : counter.state === "paused" ? duration(counter.state_for_s) : "–", "num");
      cell(tr, String(counter.served_today), "num");
      return tr;
    });
    body.replaceChildren(...rows);
  };

  const renderDisplays = (displays) => {
    const body = document.querySelector("#board-displays tbody");
    if (!displays.length) {
      const tr = document.createElement("tr");
      cell(tr, texts.no_displays, "quiet").colSpan = 3;
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(
      ...displays.map((display) => {
        const tr = document.createElement("tr");
        tr.dataset.display = String(display.id);
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = display.name;
        tr.appendChild(th);
        cell(tr, texts["display_sound_" + display.sound] || display.sound, `sound sound-${display.sound}`);
        const isConnected = display.sound !== "not_connected";
        cell(tr, isConnected ? display.voice || texts.voice_clips : "–", "voice");
        return tr;
      }),
    );
  };

  const alertKey = (alert) => `${alert.kind}:${alert.service || alert.counter}`;
  const alertText = (alert) => {
    const serviceName = config.language === "en" && alert.service_name_en ? alert.service_name_en : alert.service_name;
    if (alert.kind === "no_staffed_counter") {
      return Luot.format(texts.no_staffed_counter, { count: alert.count, service: serviceName });
    }
    if (alert.kind === "counter_unattended") {
      return Luot.format(texts.counter_unattended, {
        number: alert.number,
        silent: duration(alert.silent_s),
        grace: Math.round(alert.grace_s / 60),
      });
    }
    if (alert.kind === "wait_over_target") {
      return Luot.format(texts.wait_over_target, {
        count: alert.count,
        service: serviceName,
        target: Math.round(alert.target_s / 60),
        code: alert.code,
        waited: duration(alert.waited_s),
      });
    }
    return Luot.format(texts.counter_paused_too_long, {
      number: alert.number,
      paused: duration(alert.paused_s),
      limit: Math.round(alert.limit_s / 60),
      reason: alert.reason ? ` – ${alert.reason}` : "",
    });
  };

  const renderAlerts = (alerts) => {
    const list = document.getElementById("board-alerts");
    if (!alerts.length) {
      const li = document.createElement("li");
      li.className = "quiet";
      li.textContent = texts.no_alerts;
      list.replaceChildren(li);
    } else {
      list.replaceChildren(
        ...alerts.map((alert) => {
          const li = document.createElement("li");
          li.className = `alert alert-${alert.kind}`;
          li.dataset.alert = alertKey(alert);
          li.textContent = alertText(alert);
          return li;
        }),
      );
    }
    const keys = new Set(alerts.map(alertKey));
    const isNew = knownAlerts !== null && [...keys].some((key) => !knownAlerts.has(key));
    knownAlerts = keys;
    if (isNew && soundOn) {
      sound.currentTime = 0;
      sound.play().catch(() => {});
    }
  };

  const renderTotals = (totals) => {
    document.querySelectorAll("#board-totals [data-total]").forEach((element) => {
      element.textContent = format(totals[element.dataset.total], element.dataset.format);
    });
  };

  const render = (board) => {
    renderTotals(board.totals);
    renderAlerts(board.alerts);
    renderServices(board.services);
    renderCounters(board.counters);
    renderDisplays(board.displays);
    const time = board.generated_at ? board.generated_at.slice(11, 19) : "";
    document.getElementById("board-updated").textContent = Luot.format(texts.updated, { time });
  };

  const refresh = async () => {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const response = await fetch(config.board_url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.status === 401) {
        window.location.reload();
        return;
      }
      if (response.ok) render(await response.json());
    } catch (error) {
      /* The next change or tick tries again. */
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };

  const soon = () => {
    if (pending) return;
    pending = window.setTimeout(() => {
      pending = null;
      refresh();
    }, 150);
  };

  const showSound = () => {
    soundToggle.setAttribute("aria-pressed", soundOn ? "true" : "false");
    soundToggle.textContent = soundOn ? texts.sound_on : texts.sound_off;
  };
  soundToggle.addEventListener("click", () => {
    soundOn = !soundOn;
    window.localStorage.setItem(SOUND_KEY, soundOn ? "1" : "0");
    showSound();
    if (soundOn) {
      /* Playing once from the click lets the browser play later alerts. */
      sound.currentTime = 0;
      sound.play().catch(() => {});
    }
  });
  showSound();

  const connection = document.getElementById("board-connection");
  connection.textContent = texts.offline;
  connection.hidden = true;
  const socket = Luot.connect(
    "/manager",
    { office: config.office },
    {
      events: { queue_changed: soon, display_sound_changed: soon },
      offline: connection,
      onResync: soon,
    },
  );
  // For a person (or a test) looking into a running board.
  window.luotBoard = { socket: socket };
  refresh();
  window.setInterval(refresh, config.refresh_seconds * 1000);
})();

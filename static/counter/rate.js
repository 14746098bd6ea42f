/*
 * The rating tablet: after each ticket finished at its counter (the
 * ticket_finished event on /display, limited to the counter), the citizen
 * picks one of five levels; a low score asks for reasons and a comment.
 * The rating goes to POST /api/v1/tickets/{id}/rating. With no rating for
 * config.timeoutSeconds the tablet goes back to idle; a low score already
 * chosen is sent then, without reasons, since it is the citizen's answer.
 */
(function () {
  "use strict";

  const config = Luot.readData("rate-config");
  const byId = (id) => document.getElementById(id);
  const tablet = byId("tablet");
  const form = byId("reasons-form");
  /** Scores from this one down ask for reasons. */
  const LOW_SCORE = 2;

  let ticket = null;
  let score = null;
  let isSending = false;
  let idleTimer = null;
  let thanksTimer = null;

  function show(step) {
    tablet.dataset.step = step;
    for (const section of tablet.querySelectorAll(".step")) {
      section.hidden = section.id !== "step-" + step;
    }
    byId("rate-error").textContent = "";
  }

  function waitForRating() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(onTimeout, config.timeoutSeconds * 1000);
  }

  function backToIdle() {
    clearTimeout(idleTimer);
    clearTimeout(thanksTimer);
    ticket = null;
    score = null;
    show("idle");
  }

  function onTimeout() {
    if (tablet.dataset.step === "reasons" && score !== null) {
      send();
    } else {
      backToIdle();
    }
  }

  function onFinished(event) {
    if (event.counter.id !== config.counter) return;
    clearTimeout(thanksTimer);
    ticket = event.ticket;
    score = null;
    form.reset();
    byId("rate-code").textContent = ticket.code;
    show("rate");
    waitForRating();
  }

  function thank() {
    clearTimeout(idleTimer);
    show("thanks");
    thanksTimer = setTimeout(backToIdle, config.thanksSeconds * 1000);
  }

  function send() {
    if (isSending || ticket === null || score === null) return;
    isSending = true;
    clearTimeout(idleTimer);
    const reasons = [...form.querySelectorAll('input[name="reasons"]:checked')].map(
      (box) => box.value
    );
    const body = { score: score, reasons: reasons, comment: byId("comment").value.trim() };
    // Signed in by a clerk: a change made with the session needs a CSRF
    // token, fetched afresh since the page outlives any one token.
    fetch(config.csrfUrl, { cache: "no-store", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error("csrf " + response.status);
        return response.json();
      })
      .then((fresh) =>
        fetch(Luot.format(config.ratingUrl, { id: ticket.id }), {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": fresh.csrf_token,
          },
          body: JSON.stringify(body),
        })
      )
      .then((response) => {
        // 409: rated already (a second tap that raced the first): thanks all the same.
        if (response.ok || response.status === 409) {
          thank();
        } else {
          throw new Error("rating " + response.status);
        }
      })
      .catch(() => {
        byId("rate-error").textContent = config.texts.send_failed;
        waitForRating();
      })
      .finally(() => {
        isSending = false;
      });
  }

  for (const button of tablet.querySelectorAll("[data-score]")) {
    button.addEventListener("click", () => {
      score = Number(button.dataset.score);
      if (score <= LOW_SCORE) {
        show("reasons");
        waitForRating();
      } else {
        send();
      }
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  byId("reasons-back").addEventListener("click", () => {
    score = null;
    show("rate");
    waitForRating();
  });
  // Someone still choosing keeps the question on screen.
  for (const name of ["pointerdown", "keydown", "input"]) {
    tablet.addEventListener(name, () => {
      if (tablet.dataset.step === "rate" || tablet.dataset.step === "reasons") waitForRating();
    });
  }

  const socket = Luot.connect(
    "/display",
    { office: config.office, counters: [config.counter] },
    { offline: byId("offline") }
  );
  socket.on("ticket_finished", onFinished);
  window.luotTablet = { socket: socket };
})();

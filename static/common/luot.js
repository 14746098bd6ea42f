/*
 * Luot: the few helpers every page script shares (display, kiosk, ticket
 * page, counter terminal and screen, rating tablet, manager board, admin).
 *
 *   Luot.readData(id)             the page's data block,
 *                                 <script type="application/json" id="...">
 *   Luot.format(text, values)     "{count} phút" with {count: 3} gives "3 phút"
 *   Luot.element(tag, class, text) a new element, its text set as text
 *   Luot.connect(namespace, auth, options)
 *                                 a live Socket.IO connection that never gives up
 *   Luot.latestOnly(handler)      a state handler that skips states older
 *                                 than the one on screen
 *
 * Texts from the server carry {name} where a value goes (the Python side
 * passes name="{name}" to gettext, so the catalogues keep %(name)s).
 *
 * Plain ES2017, no build step; connect needs the vendored socket.io client
 * (vendor/socket.io.min.js) loaded first.
 */
(function (global) {
  "use strict";

  /** How long a refused connection waits before it is tried again. */
  const RETRY_AFTER_REFUSAL_MS = 5000;

  /**
   * How much older than the state on screen a state may be and still be
   * taken for the server's clock set back rather than for a late message.
   */
  const CLOCK_SET_BACK_MS = 10000;

  function readData(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  /**
   * A name with no value keeps its placeholder, so that a missing value
   * shows as "{count}" rather than vanishing; a null value gives "".
   */
  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => {
      if (!Object.prototype.hasOwnProperty.call(values, name)) return whole;
      const value = values[name];
      return value === null || value === undefined ? "" : String(value);
    });
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /**
   * A handler of whole states (each with its generated_at) that skips a
   * state older than the last it applied. Several server processes may
   * compute an office's states, and two may arrive in the other order than
   * they were computed: the older, arriving last, would stay on screen. A
   * state older by more than CLOCK_SET_BACK_MS is the server's clock set
   * back, and is applied.
   */
  function latestOnly(handler) {
    let latest = -Infinity;
    return function (state) {
      const at = Date.parse(state && state.generated_at);
      if (!Number.isNaN(at)) {
        if (at < latest && latest - at < CLOCK_SET_BACK_MS) return;
        latest = at;
      }
      handler(state);
    };
  }

  /**
   * The socket.io client reconnects by itself after a network cut or a
   * server restart, with a growing delay of at most 5 s. A connection the
   * server refused (a database too busy to read the state, a server still
   * starting) or dropped itself is not retried by the client; it is here.
   *
   * Most namespaces send the whole state on every connect, so a page
   * re-syncs with nothing more; a page that fetches its state itself does so
   * in options.onResync, called on every connect but the first.
   *
   * options:
   *   events        {name: handler} for the namespace's events
   *   offline       an element shown while disconnected (a "reconnecting" notice)
   *   noticeAfterMs how long a cut lasts before that notice shows (0: at once)
   *   onResync      called on each reconnect
   *
   * <html data-connection="live|lost"> says where the page stands, for
   * styles and for tests.
   */
  function connect(namespace, auth, options) {
    const settings = options || {};
    const socket = global.io(namespace, { auth: auth });
    const noticeAfterMs = settings.noticeAfterMs || 0;
    let noticeTimer = null;
    let retryTimer = null;
    let hasConnected = false;

    function showNotice(isShown) {
      if (settings.offline) settings.offline.hidden = !isShown;
    }

    function lost() {
      document.documentElement.dataset.connection = "lost";
      if (noticeTimer !== null) return;
      if (noticeAfterMs > 0) {
        noticeTimer = setTimeout(() => showNotice(true), noticeAfterMs);
      } else {
        noticeTimer = 0;
        showNotice(true);
      }
    }

    function retryLater() {
      if (socket.active || retryTimer !== null) return;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (!socket.connected) socket.connect();
      }, RETRY_AFTER_REFUSAL_MS);
    }

    socket.on("connect", () => {
      document.documentElement.dataset.connection = "live";
      clearTimeout(noticeTimer);
      noticeTimer = null;
      showNotice(false);
      if (hasConnected && settings.onResync) settings.onResync();
      hasConnected = true;
    });
    socket.on("disconnect", (reason) => {
      lost();
      // A page that closes its own socket means it.
      if (reason !== "io client disconnect") retryLater();
    });
    socket.on("connect_error", () => {
      lost();
      retryLater();
    });
    for (const [name, handler] of Object.entries(settings.events || {})) {
      socket.on(name, handler);
    }
    return socket;
  }

  global.Luot = { readData, format, element, connect, latestOnly };
})(window);

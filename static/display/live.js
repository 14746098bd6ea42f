/*
 * LuotLive.connect: a Socket.IO connection that never gives up.
 *
 * The socket.io client reconnects by itself after a network cut or a server
 * restart (with a growing delay, at most 5 s), and the server sends the
 * whole queue state on every connect, so a screen re-syncs with no reload.
 * A connection the server refused (a database too busy to read the state,
 * say) is not retried by the client itself; it is retried here. While
 * disconnected, the page's "offline" element is shown.
 */
(function (global) {
  "use strict";

  const RETRY_AFTER_REFUSAL_MS = 5000;

  function connect(namespace, auth, offlineElement) {
    const socket = global.io(namespace, { auth: auth });
    const showOffline = (isOffline) => {
      if (offlineElement) offlineElement.hidden = !isOffline;
      document.documentElement.classList.toggle("is-offline", isOffline);
    };
    socket.on("connect", () => showOffline(false));
    socket.on("disconnect", () => showOffline(true));
    socket.on("connect_error", () => {
      showOffline(true);
      if (!socket.active) setTimeout(() => socket.connect(), RETRY_AFTER_REFUSAL_MS);
    });
    return socket;
  }

  global.LuotLive = { connect: connect };
})(window);

"""gunicorn settings for Luot in production.

    gunicorn -c deploy/gunicorn.conf.py 'server:create_app()'

Flask-SocketIO needs one worker per process: each process is one gevent
worker that holds thousands of connections. For more processes, start more
gunicorns on other ports (deploy/luot@.service) with the same DATABASE_URL,
SOCKETIO_MESSAGE_QUEUE and LUOT_SECRET_KEY, behind nginx (deploy/nginx.conf).
"""

import os

bind = os.environ.get("LUOT_BIND", "127.0.0.1:5000")
worker_class = "gevent"
workers = 1
# Open Socket.IO connections (displays, terminals, phones) per process.
worker_connections = int(os.environ.get("LUOT_WORKER_CONNECTIONS", "4000"))
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LUOT_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("LUOT_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Several gunicorns run on one host (one per port): each would take the same
# default control socket ($HOME/.gunicorn/gunicorn.ctl) from the other.
# systemd starts, stops and reloads them; the control socket is not needed.
control_socket_disable = True


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Close days at midnight from inside the serving worker; when told to
    stop, hand its Socket.IO clients to the other processes at once."""
    from server import start_background_jobs
    from web.extensions import socketio
    from web.jobs import drop_connections_when_stopping

    start_background_jobs(worker.wsgi)
    socketio.start_background_task(drop_connections_when_stopping, lambda: worker.alive)

"""gunicorn's settings for every web server: `make run` (deploy/web.sh), the image (deploy/Dockerfile) and the Helm
chart, which sets --workers and --threads from its values. Flags on the command line override what is here.

A fixed pool bounds PostgreSQL connections. Django keeps one connection per thread, reused for
DATABASE_CONN_MAX_AGE seconds; gthread creates its `threads` request threads once per worker process and never
more, so a server holds at most WEB_CONCURRENCY x WEB_THREADS connections under any load. Requests beyond that
wait in the listen backlog (2048), and idle keep-alive clients wait in gthread's poller without holding a thread,
so a burst of Twilio status callbacks queues instead of being reset. Threads rather than sync workers: a callback
spends most of its time waiting on PostgreSQL, so a few threads per process answer several at once for the
memory of one process.
"""

from carehub.env import env_int

wsgi_app = "carehub.wsgi:application"
worker_class = "gthread"
workers = env_int("WEB_CONCURRENCY", 2)
threads = env_int("WEB_THREADS", 4)
backlog = 2048
# PDF reports are rendered by Celery workers, never inside a request.
timeout = 60
accesslog = "-"
# gunicorn 23+ opens a control socket at one fixed path per user (~/.gunicorn/gunicorn.ctl), shared by every server
# of that user on the machine; nothing here uses it (gunicornc), and signals do the same job.
control_socket_disable = True

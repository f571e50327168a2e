"""moto_server with requests applied one at a time.

moto evaluates DynamoDB conditions and transactions without a lock, so two
concurrent conditional writers can both "win" and a losing transaction can
still land some of its items; real DynamoDB never does either. Serialising
requests makes moto's answers those of an atomic service, so the store's
concurrency tests check our code rather than moto's races. Connections are
still served on threads (keep-alive works); only the handling is serial.

S3 object requests are also checked as S3 checks them (signatures, payload
hashes, presigned URL expiry), which moto does not do: see moto_s3_auth.py.
The one access key it accepts is TASKLANE_MOTO_ACCESS_KEY with secret
TASKLANE_MOTO_SECRET_KEY (scripts/with-moto.sh sets both, and gives the same
pair to the tests).

Usage: python moto_serial.py HOST PORT
"""
import os
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from moto_s3_auth import S3Auth


class Serial:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            # Drain the response inside the lock: moto builds it lazily.
            return list(self.app(environ, start_response))


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    keys = {os.environ["TASKLANE_MOTO_ACCESS_KEY"]: os.environ["TASKLANE_MOTO_SECRET_KEY"]}
    run_simple(host, port, S3Auth(Serial(app), keys), threaded=True)


if __name__ == "__main__":
    main()

# twofactor.py
import os

from twostep.sdk import Client

# One client for the whole process: it keeps connections open (httpx) and is thread-safe.
twostep = Client(
    os.environ["TWOSTEP_URL"],  # e.g. https://2fa.example.com
    os.environ["TWOSTEP_API_KEY"],  # the verify key from step 1
    timeout=5,  # seconds for each connect or read
    deadline=8,  # a whole call, its retries included (default 10 s)
    verify_deadline=4,  # a whole verify() call (default 5 s)
    max_retries=1,  # retry a 429/503 once, if Retry-After is short
    max_retry_wait=2,  # ...never wait more than 2 s for it
)

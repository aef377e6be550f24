FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/podium.db

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY bot.py cli.py schema.sql ./
COPY podium ./podium
COPY db ./db
COPY cogs ./cogs

RUN useradd --system --uid 10001 --no-create-home podium \
    && mkdir -p /data \
    && chown podium /data
USER 10001

VOLUME /data

# The HTTP endpoint (/healthz, /metrics) is on in the image, bound to the container's own loopback:
# the health check below reaches it, nothing outside the container does (see README, "Metrics").
# Set HTTP_PORT= (empty) to turn it off; the check then only reports that the container runs.
ENV HTTP_PORT=8080
# urllib, not curl: python:3.12-slim has no curl. A 503 (a failing check) raises, so the exit code is 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; p = os.environ.get('HTTP_PORT', '').strip(); h = os.environ.get('HTTP_HOST', '').strip(); h = '127.0.0.1' if h in ('', '0.0.0.0', '::') else h; sys.exit(0) if not p else print(u.urlopen(f'http://{h}:{p}/healthz', timeout=4).read().decode())"]

# SIGTERM: Podium stops its loops, closes the Discord session and the database, exits 0 within 5 s.
STOPSIGNAL SIGTERM
CMD ["python", "bot.py"]
